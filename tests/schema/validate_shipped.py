"""Validates every shipped connector config and mapping file against the JSON Schemas in
schema/, the way an editor's YAML language server does, and checks that the schemas
catch what they are for (an unknown key, a wrong type, a missing required key).

    /usr/bin/python3 tests/schema/validate_shipped.py REPO_ROOT

Uses Debian's python3-jsonschema and python3-yaml (scripts/deps installs them). Exits
non-zero, naming the file and the path of each problem, when anything fails.
"""
import glob
import json
import os
import sys

import jsonschema
import yaml


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans, as yaml-cpp and the YAML language server read them: only
    true/false, so a key `on:` stays the string "on"."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Yaml12Loader)


def problems(validator, document):
    return sorted(
        "/".join(str(p) for p in error.absolute_path) + ": " + error.message
        for error in validator.iter_errors(document)
    )


def main():
    root = sys.argv[1]
    schemas = {}
    for name in ("connector", "mapping"):
        with open(os.path.join(root, "schema", name + ".schema.json"), encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
        schemas[name] = jsonschema.Draft7Validator(schema)

    shipped = {
        "connector": sorted(glob.glob(os.path.join(root, "examples", "*", "connector.yaml")))
        + [os.path.join(root, "packaging", "connector.yaml")],
        "mapping": sorted(glob.glob(os.path.join(root, "mappings", "*.yaml"))),
    }
    failures = []
    for kind, files in shipped.items():
        if len(files) < 2:
            failures.append(f"only {len(files)} shipped {kind} files found under {root}")
        for path in files:
            for problem in problems(schemas[kind], load_yaml(path)):
                failures.append(f"{os.path.relpath(path, root)}: {problem}")
            # The editor comment that points at the schema, relative to where the file is
            # installed (the production template: where the package puts the schema).
            with open(path, encoding="utf-8") as f:
                first = f.readline()
            if "yaml-language-server: $schema=" not in first or f"{kind}.schema.json" not in first:
                failures.append(f"{os.path.relpath(path, root)}: line 1 lacks the "
                                f"yaml-language-server $schema comment for {kind}.schema.json")

    # The schemas must refuse what the loaders refuse.
    connector = load_yaml(os.path.join(root, "examples", "postgres", "connector.yaml"))
    mapping = load_yaml(os.path.join(root, "mappings", "users.yaml"))
    refused = {
        "connector: a typo in sink": ("connector", {**connector, "sink": {**connector["sink"], "concurency": 8}}),
        "connector: a string where a number goes": ("connector", {**connector, "memory_budget_mb": "lots"}),
        "connector: no sink": ("connector", {k: v for k, v in connector.items() if k != "sink"}),
        "connector: a mysql key on a postgres source": ("connector", {**connector, "source": {**connector["source"], "server_id": 7}}),
        "mapping: a typo at the top": ("mapping", {**mapping, "tabel": "public.users"}),
        "mapping: an unknown field type": ("mapping", {**mapping, "customer": {**mapping["customer"], "fields": {"x": {"column": "x", "type": "text"}}}}),
        "mapping: an event without on": ("mapping", {**mapping, "events": [{"name": "x"}]}),
    }
    for what, (kind, document) in refused.items():
        if not problems(schemas[kind], document):
            failures.append(f"the {kind} schema accepts {what}")

    for failure in failures:
        print(failure, file=sys.stderr)
    if failures:
        return 1
    print(f"{sum(len(f) for f in shipped.values())} shipped files match the schemas; "
          f"{len(refused)} broken documents are refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
