#include <curl/curl.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/check_mysql.h"
#include "cli/check_problem.h"
#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "connectors/postgres/pg_admin.h"
#include "connectors/postgres/pg_connection.h"
#include "core/errors.h"
#include "ops/log.h"

namespace cdc::cli {
namespace {

// Declared mapping type -> PostgreSQL udt_names whose values convert to it. Any type
// converts to string.
bool converts(const std::string& declared, const std::string& udt) {
  static const std::map<std::string, std::set<std::string>> kAllowed = {
      {"number",
       {"int2", "int4", "int8", "oid", "numeric", "float4", "float8", "money", "text", "varchar",
        "bpchar", "bool"}},
      {"boolean", {"bool", "int2", "int4", "int8", "text", "varchar", "bpchar"}},
      {"date", {"date", "timestamp", "timestamptz", "text", "varchar"}},
      {"date_time", {"timestamp", "timestamptz", "date", "text", "varchar"}},
      {"json", {"json", "jsonb", "text", "varchar"}},
  };
  if (declared.empty() || declared == "string") return true;
  if (declared == "array") return udt.starts_with("_") || udt == "json" || udt == "jsonb";
  auto it = kAllowed.find(declared);
  return it == kAllowed.end() || it->second.contains(udt);
}

// The columns the mapping reads from old row images that the table's replica identity does
// not log, comma separated; empty when nothing is missing.
std::string missing_from_old_image(const mapping::TableRequirements& req,
                                   const pg::TableInfo& info) {
  if (info.replica_identity == 'f') return {};
  const std::set<std::string> logged(info.identity_columns.begin(), info.identity_columns.end());
  std::string missing;
  for (const auto& column : req.old_image_columns) {
    if (logged.contains(column)) continue;
    if (!missing.empty()) missing += ", ";
    missing += column;
  }
  return missing;
}

size_t discard_body(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

// POST /customers with an empty list: Retainly answers 422 when the credentials are good
// and 403 when they are not, without changing anything (PRODUCT.md, settled ambiguities).
std::optional<Problem> check_credentials(const sink::SinkOptions& sink) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Problem{kExitFailure, "cannot initialise libcurl"};
  const std::string url = sink.url + "/customers";
  const std::string key = sink.key_header + ": " + sink.key;
  const std::string secret = sink.secret_header + ": " + sink.secret;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, key.c_str());
  headers = curl_slist_append(headers, secret.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, "{\"customers\":[]}");
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 15000L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYPEER, sink.tls_verify ? 1L : 0L);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYHOST, sink.tls_verify ? 2L : 0L);
  if (!sink.ca_path.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, sink.ca_path.c_str());
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    return Problem{kExitFailure,
                   "Retainly at " + sink.url + " is unreachable: " + curl_easy_strerror(rc)};
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status == 401 || status == 403) {
    return Problem{kExitAuth, "Retainly refused the credentials (HTTP " + std::to_string(status) +
                                  "): check sink.key and sink.secret"};
  }
  if (status != 422 && (status < 200 || status >= 300)) {
    return Problem{kExitFailure, "Retainly answered HTTP " + std::to_string(status) +
                                     " to a credentials probe; expected 422"};
  }
  return std::nullopt;
}

// What `run` will do to the publication, and whether `run --dry-run` (which only reads
// it) can start before that.
void check_publication(const pg::PgAdmin& admin, const config::PostgresSourceConfig& pg,
                       const std::vector<TableId>& tables, std::vector<Problem>& problems,
                       std::ostream& out) {
  const auto missing = admin.unpublished(pg.publication, tables);
  if (!missing && !pg.create_publication) {
    std::string list;
    for (const auto& table : tables) list += (list.empty() ? "" : ", ") + admin.sql_name(table);
    problems.push_back({kExitSource, "publication " + pg.publication +
                                         " does not exist and source.create_publication is "
                                         "false: create it with CREATE PUBLICATION " +
                                         admin.sql_name(pg.publication) + " FOR TABLE " + list});
  } else if (!missing) {
    out << "note: publication " << pg.publication
        << " does not exist yet: `retainly-cdc run` creates it; `run --dry-run`, which "
           "changes nothing on the source, needs it first\n";
  } else if (!missing->empty()) {
    std::string list;
    for (const auto& table : *missing) list += (list.empty() ? "" : ", ") + table.qualified();
    out << "note: publication " << pg.publication << " does not publish " << list
        << " yet: `retainly-cdc run` adds the mapped tables to it; `run --dry-run`, which "
           "changes nothing on the source, needs them there first\n";
  }
}

void check_postgres(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                    std::vector<Problem>& problems, std::ostream& out) {
  auto conn =
      pg::PgConnection::connect(config.source.postgres.dsn, pg::PgConnection::Mode::kNormal);
  pg::PgAdmin admin(conn);
  try {
    admin.require_logical_wal();
  } catch (const SourceError& e) {
    problems.push_back({kExitSource, e.what()});
  }
  if (auto slot = admin.slot(config.source.postgres.slot); slot && slot->wal_status == "lost") {
    problems.push_back({kExitSource, "replication slot " + config.source.postgres.slot +
                                         " has lost required WAL: resync required (drop the "
                                         "slot and run retainly-cdc backfill)"});
  }
  for (const auto& req : mapping::requirements(mapper)) {
    const std::string table = req.table.qualified();
    auto info = admin.table_info(req.table);
    if (!info.exists) {
      problems.push_back({kExitConfig, "table " + table + " does not exist"});
      continue;
    }
    auto columns = conn.query(
        "SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = $1 "
        "AND table_name = $2",
        {req.table.schema, req.table.name});
    std::map<std::string, std::string> types;
    for (const auto& row : columns.rows) types[row[0].value_or("")] = row[1].value_or("");
    check_mapped_columns(req, types, converts, problems);
    if (auto missing = missing_from_old_image(req, info); !missing.empty()) {
      problems.push_back(
          {kExitSource, "table " + table + " needs REPLICA IDENTITY FULL: its mapping reads " +
                            missing +
                            " from old rows (before.*, changed(), where, ids and "
                            "on_delete fields of updates and deletes), which its replica "
                            "identity does not log. Run ALTER TABLE " +
                            table + " REPLICA IDENTITY FULL"});
    } else if (info.replica_identity == 'n' ||
               (info.replica_identity == 'd' && !info.has_primary_key)) {
      problems.push_back({kExitSource, "table " + table +
                                           " has no primary key or replica identity; UPDATE "
                                           "and DELETE on it would fail once published"});
    }
  }
  check_publication(admin, config.source.postgres, mapper.tables(), problems, out);
}

}  // namespace

int check_command(const CheckArgs& args) {
  try {
    auto config = load_config(args.config);
    auto mapper = load_mapper(config);
    std::cout << "ok: " << args.config << " and " << mapper.tables().size()
              << " mapping(s) are valid\n";
    if (args.offline) return kExitOk;

    std::vector<Problem> problems;
    if (config.source.type == config::SourceType::kPostgres) {
      check_postgres(config, mapper, problems, std::cout);
    } else {
      check_mysql(config, mapper, problems, std::cout);
    }
    if (auto problem = check_credentials(config.sink)) problems.push_back(*problem);
    if (problems.empty()) {
      std::cout << "ok: source is ready for change capture and Retainly accepts the "
                   "credentials\n";
      return kExitOk;
    }
    for (const auto& p : problems) std::cout << "problem: " << log::redact(p.message) << "\n";
    return problems.front().exit_code;
  } catch (...) {
    return report_current_exception("check");
  }
}

}  // namespace cdc::cli
