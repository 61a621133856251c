// schema/connector.schema.json and the config loader agree on every section's keys: a
// key the loader accepts but the schema lacks would be flagged by editors as a typo, and
// a key the schema offers but the loader refuses would be completed into a broken config.
// The loader's own list comes from its "unknown key" error, so nothing is copied here.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "config/connector_config.h"
#include "core/errors.h"
#include "fake_env.h"
#include "support/schema_keys.h"

using cdc::ConfigError;
using cdc::test::allowed_keys;
using cdc::test::fake_env;
using cdc::test::schema_keys;
using nlohmann::json;

namespace {

const char* kPostgres = R"(source:
  type: postgres
  dsn: "host=127.0.0.1 dbname=app user=cdc"
sink:
  url: http://127.0.0.1:8080
  key: k
  secret: s
)";

const char* kMysql = R"(source:
  type: mysql
  user: cdc
  server_id: 7
sink:
  url: http://127.0.0.1:8080
  key: k
  secret: s
)";

json load_schema() {
  std::ifstream in(std::string(CDC_SOURCE_DIR) + "/schema/connector.schema.json");
  REQUIRE(in.good());
  return json::parse(in);
}

// The keys the loader allows in the section at `path` (dotted, "" for the top level):
// from the error a key it does not know draws.
std::set<std::string> loader_keys(const char* base, const std::string& path) {
  YAML::Node root = YAML::Load(base);
  YAML::Node section = root;
  std::string rest = path;
  while (!rest.empty()) {
    const auto dot = rest.find('.');
    const std::string name = rest.substr(0, dot);
    rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
    if (!section[name]) section[name] = YAML::Node(YAML::NodeType::Map);
    section.reset(section[name]);
  }
  section["not_a_key_anywhere"] = 1;
  YAML::Emitter out;
  out << root;
  std::string error;
  try {
    cdc::config::parse_connector_config(out.c_str(), "connector.yaml", "/etc/cdc", fake_env({}));
  } catch (const ConfigError& e) {
    error = e.what();
  }
  INFO("section " << path);
  return allowed_keys(error);
}

// The dotted paths of every object section the schema describes with properties.
void sections(const json& schema, const json& root, const std::string& path,
              std::set<std::string>& out) {
  if (schema.contains("$ref")) {
    const std::string ref = schema.at("$ref");  // "#/$defs/name"
    sections(root.at("$defs").at(ref.substr(ref.rfind('/') + 1)), root, path, out);
    return;
  }
  if (!schema.contains("properties")) return;
  out.insert(path);
  for (const auto& [key, value] : schema.at("properties").items()) {
    sections(value, root, path.empty() ? key : path + "." + key, out);
  }
}

}  // namespace

TEST_CASE("connector schema: each section's keys are the loader's, both ways") {
  const json schema = load_schema();
  const json& defs = schema.at("$defs");
  struct Section {
    const char* base;
    std::string path;
    const json& object;
  };
  const std::vector<Section> checked = {
      {kPostgres, "", schema},
      {kPostgres, "source", defs.at("postgres_source")},
      {kMysql, "source", defs.at("mysql_source")},
      {kPostgres, "source.tls", defs.at("postgres_source").at("properties").at("tls")},
      {kMysql, "source.tls", defs.at("mysql_source").at("properties").at("tls")},
      {kPostgres, "sink", schema.at("properties").at("sink")},
      {kPostgres, "mapping_defaults", schema.at("properties").at("mapping_defaults")},
      {kPostgres, "log", schema.at("properties").at("log")},
      {kPostgres, "backfill", schema.at("properties").at("backfill")},
      {kPostgres, "high_availability", schema.at("properties").at("high_availability")},
  };
  std::set<std::string> paths;
  for (const Section& section : checked) {
    CAPTURE(section.path);
    CHECK(loader_keys(section.base, section.path) == schema_keys(section.object));
    paths.insert(section.path);
  }
  // No section of the schema is left unchecked.
  std::set<std::string> described;
  for (const char* source : {"postgres_source", "mysql_source"}) {
    sections(defs.at(source), schema, "source", described);
  }
  sections(schema, schema, "", described);
  CHECK(described == paths);
}

TEST_CASE("connector schema: the defaults it states are the loader's") {
  const json schema = load_schema();
  const auto config =
      cdc::config::parse_connector_config(kPostgres, "connector.yaml", "/etc/cdc", fake_env({}));
  const json& sink = schema.at("properties").at("sink").at("properties");
  CHECK(sink.at("concurrency").at("default") == config.sink.concurrency);
  CHECK(sink.at("flush_interval_ms").at("default") == config.sink.flush_interval.count());
  CHECK(sink.at("batch_max_records").at("default") == config.sink.batch_max_records);
  CHECK(sink.at("max_pending_calls").at("default") == config.sink.max_pending_calls);
  const json& top = schema.at("properties");
  CHECK(top.at("memory_budget_mb").at("default") == config.memory_budget_mb);
  CHECK(top.at("backfill").at("properties").at("page_rows").at("default") ==
        config.backfill.page_rows);
  CHECK(top.at("shutdown_timeout_ms").at("default") == config.shutdown_timeout.count());
}
