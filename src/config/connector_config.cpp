#include "config/connector_config.h"

#include <fstream>
#include <sstream>

#include "config/postgres_dsn.h"
#include "config/yaml_reader.h"
#include "core/errors.h"

namespace cdc::config {
namespace {

using std::chrono::milliseconds;

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = base / p;
  return p.lexically_normal();
}

// A CA bundle named by `key`: resolved against the config's folder and readable now, so
// a typo shows at load rather than as a TLS failure later. Empty when not given.
std::string ca_file(const YamlReader& r, const YAML::Node& map, std::string_view key,
                    const std::filesystem::path& base) {
  const std::string given = r.string(map, "ca_path", key, "");
  if (given.empty()) return given;
  const std::string path = resolve(base, given).string();
  if (!std::ifstream(path)) r.fail(map["ca_path"], key, "cannot read \"" + path + "\"");
  return path;
}

// source.tls: {mode, ca_path}, both optional.
TlsSettings read_tls(const YamlReader& r, const YAML::Node& source,
                     const std::filesystem::path& base) {
  TlsSettings tls;
  const YAML::Node node = source["tls"];
  if (!node || node.IsNull()) return tls;
  r.require_keys(node, "source.tls", {"mode", "ca_path"});
  const std::string mode = r.choice(node, "mode", "source.tls.mode", "",
                                    {"disable", "prefer", "require", "verify-ca", "verify-full"});
  if (!mode.empty()) tls.mode = parse_tls_mode(mode);
  tls.ca_path = ca_file(r, node, "source.tls.ca_path", base);
  return tls;
}

// The DSN checked by libpq's parser, with source.tls applied (config/postgres_dsn.h).
// Returns the password the DSN holds (libpq's own reading of key=value and URI forms),
// empty when it holds none.
std::string apply_tls(const YamlReader& r, const YAML::Node& source, const TlsSettings& given,
                      PostgresSourceConfig& pg, const EnvLookup& env) {
  const YAML::Node dsn_node = source["dsn"] ? source["dsn"] : source["dsn_file"];
  ParsedDsn parsed;
  try {
    parsed = parse_postgres_dsn(pg.dsn);
  } catch (const std::invalid_argument& e) {
    r.fail(dsn_node, "source.dsn", e.what());
  }
  if (given.mode && parsed.find("sslmode")) {
    r.fail(source["tls"]["mode"], "source.tls.mode",
           "the dsn sets sslmode too; set the TLS mode in one place");
  }
  if (!given.ca_path.empty() && parsed.find("sslrootcert")) {
    r.fail(source["tls"]["ca_path"], "source.tls.ca_path",
           "the dsn sets sslrootcert too; name the CA in one place");
  }
  auto applied = apply_postgres_tls(pg.dsn, parsed, given, env);
  pg.dsn = std::move(applied.dsn);
  pg.tls = applied.tls;
  const std::string* password = parsed.find("password");
  return password != nullptr ? *password : std::string();
}

// Returns the password inside the DSN, empty when there is none.
std::string read_postgres(const YamlReader& r, const YAML::Node& node, PostgresSourceConfig& pg,
                          const std::filesystem::path& base, const EnvLookup& env) {
  pg.dsn = r.secret(node, "dsn", "source.dsn", /*required=*/true);
  std::string password = apply_tls(r, node, read_tls(r, node, base), pg, env);
  pg.slot = r.string(node, "slot", "source.slot", pg.slot);
  pg.publication = r.string(node, "publication", "source.publication", pg.publication);
  pg.create_slot = r.boolean(node, "create_slot", "source.create_slot", pg.create_slot);
  pg.create_publication =
      r.boolean(node, "create_publication", "source.create_publication", pg.create_publication);
  pg.status_interval =
      milliseconds(r.integer(node, "status_interval_ms", "source.status_interval_ms",
                             pg.status_interval.count(), 100, 600000));
  pg.heartbeat_interval =
      milliseconds(r.integer(node, "heartbeat_interval_ms", "source.heartbeat_interval_ms",
                             pg.heartbeat_interval.count(), 0, 86400000));
  for (const std::string* name : {&pg.slot, &pg.publication}) {
    for (char c : *name) {
      if (!(std::islower(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
        r.fail(node, name == &pg.slot ? "source.slot" : "source.publication",
               "may contain only lower-case letters, digits and underscores");
      }
    }
  }
  return password;
}

void read_mysql(const YamlReader& r, const YAML::Node& node, MysqlSourceConfig& my,
                const std::filesystem::path& base) {
  my.host = r.string(node, "host", "source.host", my.host);
  my.port = static_cast<int>(r.integer(node, "port", "source.port", my.port, 1, 65535));
  my.user = r.required_string(node, "user", "source.user");
  my.password = r.secret(node, "password", "source.password", /*required=*/false);
  my.database = r.string(node, "database", "source.database", "");
  my.server_id =
      static_cast<uint32_t>(r.integer(node, "server_id", "source.server_id", 0, 1, 4294967295LL));
  if (my.server_id == 0) r.fail(node, "source.server_id", "is required for mysql sources");
  my.heartbeat_interval = std::chrono::milliseconds(
      r.integer(node, "heartbeat_interval_ms", "source.heartbeat_interval_ms",
                my.heartbeat_interval.count(), 100, 600000));
  const std::string watermark =
      r.string(node, "watermark_table", "source.watermark_table", my.watermark_table.qualified());
  const auto dot = watermark.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == watermark.size() ||
      watermark.find('.', dot + 1) != std::string::npos) {
    r.fail(node["watermark_table"], "source.watermark_table", "must be database.table");
  }
  my.watermark_table = TableId{watermark.substr(0, dot), watermark.substr(dot + 1)};
  my.snapshot_lock = r.boolean(node, "snapshot_lock", "source.snapshot_lock", false);
  my.min_binlog_retention_hours =
      r.integer(node, "min_binlog_retention_hours", "source.min_binlog_retention_hours",
                my.min_binlog_retention_hours, 0, 100000);
  const std::string geometry =
      r.choice(node, "geometry", "source.geometry", "wkb", {"wkb", "wkb_hex", "skip"});
  my.geometry = geometry == "wkb_hex" ? GeometryFormat::kWkbHex
                : geometry == "skip"  ? GeometryFormat::kSkip
                                      : GeometryFormat::kWkb;
  my.tls = resolve_source_tls(read_tls(r, node, base), is_local_host(my.host));
}

// Returns the password inside a PostgreSQL DSN, empty when there is none.
std::string read_source(const YamlReader& r, const YAML::Node& node, ConnectorConfig& c,
                        const std::filesystem::path& base, const EnvLookup& env) {
  std::string dsn_password;
  if (!node) throw ConfigError(r.file() + ": source: is required");
  const std::string type = r.choice(node, "type", "source.type", "", {"postgres", "mysql"});
  if (type.empty()) r.fail(node, "source.type", "is required (postgres or mysql)");
  if (type == "postgres") {
    r.require_keys(
        node, "source",
        {"type", "dsn", "dsn_file", "slot", "publication", "create_slot", "create_publication",
         "status_interval_ms", "heartbeat_interval_ms", "snapshot", "tls"});
    c.source.type = SourceType::kPostgres;
    dsn_password = read_postgres(r, node, c.source.postgres, base, env);
    if (!dsn_password.empty()) c.secrets.push_back(dsn_password);
  } else {
    r.require_keys(node, "source",
                   {"type", "host", "port", "user", "password", "password_file", "database",
                    "server_id", "heartbeat_interval_ms", "watermark_table", "snapshot_lock",
                    "geometry", "snapshot", "tls", "min_binlog_retention_hours"});
    c.source.type = SourceType::kMysql;
    read_mysql(r, node, c.source.mysql, base);
    if (!c.source.mysql.password.empty()) c.secrets.push_back(c.source.mysql.password);
  }
  const std::string snapshot =
      r.choice(node, "snapshot", "source.snapshot", "initial", {"initial", "never", "always"});
  c.source.snapshot = snapshot == "initial" ? SnapshotMode::kInitial
                      : snapshot == "never" ? SnapshotMode::kNever
                                            : SnapshotMode::kAlways;
  return dsn_password;
}

void read_sink(const YamlReader& r, const YAML::Node& node, ConnectorConfig& c,
               const std::filesystem::path& base) {
  if (!node) throw ConfigError(r.file() + ": sink: is required");
  r.require_keys(node, "sink",
                 {"url",
                  "key",
                  "key_file",
                  "secret",
                  "secret_file",
                  "key_header",
                  "secret_header",
                  "batch_max_records",
                  "batch_max_bytes",
                  "flush_interval_ms",
                  "concurrency",
                  "request_timeout_ms",
                  "retry_initial_backoff_ms",
                  "retry_max_backoff_ms",
                  "retry_max_attempts",
                  "max_pending_calls",
                  "dead_letter_max_count",
                  "dead_letter_window_s",
                  "tls_verify",
                  "ca_path"});
  sink::SinkOptions& s = c.sink;
  s.url = r.string(node, "url", "sink.url", s.url);
  while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
  if (s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0) {
    r.fail(node["url"], "sink.url", "must start with http:// or https://");
  }
  s.key = r.secret(node, "key", "sink.key", /*required=*/true);
  s.secret = r.secret(node, "secret", "sink.secret", /*required=*/true);
  c.secrets.push_back(s.key);
  c.secrets.push_back(s.secret);
  s.key_header = r.string(node, "key_header", "sink.key_header", s.key_header);
  s.secret_header = r.string(node, "secret_header", "sink.secret_header", s.secret_header);
  s.batch_max_records = static_cast<size_t>(
      r.integer(node, "batch_max_records", "sink.batch_max_records", 10000, 1, 10000));
  s.batch_max_bytes = static_cast<size_t>(r.integer(node, "batch_max_bytes", "sink.batch_max_bytes",
                                                    static_cast<int64_t>(s.batch_max_bytes), 1024,
                                                    int64_t{1} << 30));
  s.flush_interval = milliseconds(r.integer(node, "flush_interval_ms", "sink.flush_interval_ms",
                                            s.flush_interval.count(), 0, 60000));
  s.concurrency = static_cast<size_t>(r.integer(node, "concurrency", "sink.concurrency",
                                                static_cast<int64_t>(s.concurrency), 1, 1024));
  s.request_timeout = milliseconds(r.integer(node, "request_timeout_ms", "sink.request_timeout_ms",
                                             s.request_timeout.count(), 100, 600000));
  s.retry_initial_backoff =
      milliseconds(r.integer(node, "retry_initial_backoff_ms", "sink.retry_initial_backoff_ms",
                             s.retry_initial_backoff.count(), 1, 600000));
  s.retry_max_backoff =
      milliseconds(r.integer(node, "retry_max_backoff_ms", "sink.retry_max_backoff_ms",
                             s.retry_max_backoff.count(), 1, 3600000));
  s.retry_max_attempts = static_cast<uint32_t>(
      r.integer(node, "retry_max_attempts", "sink.retry_max_attempts", 0, 0, 1000000));
  s.max_pending_calls =
      static_cast<size_t>(r.integer(node, "max_pending_calls", "sink.max_pending_calls",
                                    static_cast<int64_t>(s.max_pending_calls), 1, 10000000));
  s.dead_letter_max_count =
      static_cast<size_t>(r.integer(node, "dead_letter_max_count", "sink.dead_letter_max_count",
                                    static_cast<int64_t>(s.dead_letter_max_count), 0, 100000000));
  s.dead_letter_window =
      std::chrono::seconds(r.integer(node, "dead_letter_window_s", "sink.dead_letter_window_s",
                                     s.dead_letter_window.count(), 1, 86400));
  s.tls_verify = r.boolean(node, "tls_verify", "sink.tls_verify", true);
  s.ca_path = ca_file(r, node, "sink.ca_path", base);
}

void read_mapping_defaults(const YamlReader& r, const YAML::Node& node,
                           mapping::MappingOptions& m) {
  if (!node) return;
  r.require_keys(node, "mapping_defaults",
                 {"timezone", "string_policy", "decimal_as_string", "event_key_field", "send"});
  m.timezone = r.string(node, "timezone", "mapping_defaults.timezone", m.timezone);
  const std::string policy = r.choice(node, "string_policy", "mapping_defaults.string_policy",
                                      "truncate", {"truncate", "dead_letter"});
  m.string_policy = policy == "dead_letter" ? mapping::StringPolicy::kDeadLetter
                                            : mapping::StringPolicy::kTruncate;
  m.decimal_as_string = r.boolean(node, "decimal_as_string", "mapping_defaults.decimal_as_string",
                                  m.decimal_as_string);
  m.event_key_field =
      r.string(node, "event_key_field", "mapping_defaults.event_key_field", m.event_key_field);
  m.send_changed =
      r.choice(node, "send", "mapping_defaults.send", "changed", {"changed", "all"}) == "changed";
}

void read_log(const YamlReader& r, const YAML::Node& node, LogConfig& log) {
  if (!node) return;
  r.require_keys(node, "log", {"format", "level"});
  const std::string format =
      r.choice(node, "format", "log.format", "auto", {"auto", "text", "json"});
  log.format = format == "text"   ? LogFormat::kText
               : format == "json" ? LogFormat::kJson
                                  : LogFormat::kAuto;
  log.level =
      r.choice(node, "level", "log.level", log.level, {"trace", "debug", "info", "warn", "error"});
}

}  // namespace

ConnectorConfig parse_connector_config(const std::string& yaml, const std::string& file_name,
                                       const std::filesystem::path& base_dir,
                                       const EnvLookup& env) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw ConfigError(file_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  if (!root || !root.IsMap()) {
    throw ConfigError(file_name + ": expected a mapping with source, sink and mappings keys");
  }
  YamlReader r(file_name, env, base_dir);
  r.require_keys(root, "",
                 {"source", "sink", "mappings", "state_dir", "last_sent_dir", "metrics",
                  "mapping_defaults", "log", "backfill", "shutdown_timeout_ms", "source_buffer",
                  "high_availability", "memory_budget_mb"});
  ConnectorConfig c;
  c.file = file_name;
  const std::string dsn_password = read_source(r, root["source"], c, base_dir, env);
  read_sink(r, root["sink"], c, base_dir);
  c.mappings_dir = resolve(base_dir, r.string(root, "mappings", "mappings", "./mappings"));
  c.state_dir = resolve(base_dir, r.string(root, "state_dir", "state_dir", "./state"));
  if (const auto last_sent_dir = root["last_sent_dir"]; last_sent_dir && !last_sent_dir.IsNull()) {
    c.last_sent_dir = resolve(base_dir, r.required_string(root, "last_sent_dir", "last_sent_dir"));
  }
  c.metrics_address = r.string(root, "metrics", "metrics", "");
  if (!c.metrics_address.empty()) {
    const auto colon = c.metrics_address.rfind(':');
    const std::string port = colon == std::string::npos ? "" : c.metrics_address.substr(colon + 1);
    if (colon == 0 || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
      r.fail(root["metrics"], "metrics",
             "expected host:port, e.g. 127.0.0.1:9464 (port 0: any free port)");
    }
  }
  read_mapping_defaults(r, root["mapping_defaults"], c.mapping);
  read_log(r, root["log"], c.log);
  if (const auto backfill = root["backfill"]) {
    r.require_keys(backfill, "backfill", {"connections", "page_rows", "mirror_max_delete_share"});
    c.backfill.mirror_max_delete_share =
        r.number(backfill, "mirror_max_delete_share", "backfill.mirror_max_delete_share",
                 c.backfill.mirror_max_delete_share, 0.0, 1.0);
    c.backfill.connections =
        static_cast<size_t>(r.integer(backfill, "connections", "backfill.connections",
                                      static_cast<int64_t>(c.backfill.connections), 1, 64));
    c.backfill.page_rows =
        static_cast<size_t>(r.integer(backfill, "page_rows", "backfill.page_rows",
                                      static_cast<int64_t>(c.backfill.page_rows), 1, 100000));
  }
  c.shutdown_timeout = milliseconds(r.integer(root, "shutdown_timeout_ms", "shutdown_timeout_ms",
                                              c.shutdown_timeout.count(), 0, 3600000));
  c.source_buffer =
      static_cast<size_t>(r.integer(root, "source_buffer", "source_buffer", 10000, 1, 10000000));
  if (const auto ha = root["high_availability"]) {
    r.require_keys(ha, "high_availability", {"check_interval_ms", "lease_ms", "takeover_delay_ms"});
    c.lock_check_interval =
        milliseconds(r.integer(ha, "check_interval_ms", "high_availability.check_interval_ms",
                               c.lock_check_interval.count(), 10, 600000));
    c.lock_lease = milliseconds(
        r.integer(ha, "lease_ms", "high_availability.lease_ms", c.lock_lease.count(), 20, 600000));
    c.takeover_delay =
        milliseconds(r.integer(ha, "takeover_delay_ms", "high_availability.takeover_delay_ms",
                               c.takeover_delay.count(), 0, 600000));
    // A lease shorter than its checks lapses between them; a takeover shorter than the
    // lease lets two instances send at once.
    if (c.lock_lease <= c.lock_check_interval) {
      r.fail(ha["lease_ms"] ? ha["lease_ms"] : ha, "high_availability.lease_ms",
             "must be longer than check_interval_ms (" +
                 std::to_string(c.lock_check_interval.count()) + ")");
    }
    if (c.takeover_delay <= c.lock_lease) {
      r.fail(ha["takeover_delay_ms"] ? ha["takeover_delay_ms"] : ha,
             "high_availability.takeover_delay_ms",
             "must be longer than lease_ms (" + std::to_string(c.lock_lease.count()) +
                 "), or two instances may send at once");
    }
  }
  c.memory_budget_mb =
      static_cast<size_t>(r.integer(root, "memory_budget_mb", "memory_budget_mb",
                                    static_cast<int64_t>(c.memory_budget_mb), 1, 1024 * 1024));
  c.sink.dead_letter_path = (c.state_dir / "dead-letters.jsonl").string();
  c.sink.redacted = c.secrets;
  // A literal DSN is a secret only when it holds a password.
  for (const std::string& key : r.literal_secret_keys()) {
    if (key != "source.dsn" || !dsn_password.empty()) c.literal_secret_keys.push_back(key);
  }
  return c;
}

ConnectorConfig load_connector_config(const std::filesystem::path& file, const EnvLookup& env) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string() + ": cannot read the configuration file");
  std::stringstream content;
  content << in.rdbuf();
  auto base = std::filesystem::absolute(file).parent_path();
  return parse_connector_config(content.str(), file.string(), base, env);
}

}  // namespace cdc::config
