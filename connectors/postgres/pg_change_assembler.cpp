#include "connectors/postgres/pg_change_assembler.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <utility>

#include "connectors/postgres/pg_types.h"
#include "connectors/postgres/pg_value_parser.h"
#include "core/errors.h"

namespace cdc::pg {
namespace {

// Schema versions only grow, across assemblers too, so a consumer caching work per
// (table, version) never mistakes a new shape for one it saw before a reconnect.
std::atomic<uint64_t> schema_version_counter{0};

[[noreturn]] void violation(const char* message, const std::string& what) {
  throw ProtocolError(std::string("pgoutput ") + message + ": " + what);
}

bool same_shape(const TableSchema& a, const TableSchema& b) {
  if (a.id != b.id || a.columns.size() != b.columns.size()) return false;
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const Column& x = a.columns[i];
    const Column& y = b.columns[i];
    if (x.name != y.name || x.type_name != y.type_name || x.is_key != y.is_key) return false;
  }
  return true;
}

}  // namespace

ChangeAssembler::ChangeAssembler(int protocol_version, BufferFactory buffers)
    : protocol_version_(protocol_version), buffers_(std::move(buffers)) {
  if (protocol_version != 1 && protocol_version != 2) {
    throw std::invalid_argument("pgoutput protocol version " + std::to_string(protocol_version) +
                                " is not supported (1 or 2)");
  }
  if (!buffers_) {
    buffers_ = [] { return std::make_unique<TransactionBuffer>(nullptr, SpillStoreFactory{}); };
  }
}

void ChangeAssembler::feed(std::span<const std::byte> pgoutput_message) {
  if (ready_) throw std::logic_error("ChangeAssembler::feed before the committed items were taken");
  const PgOutputMessage message =
      decode_pgoutput(pgoutput_message, protocol_version_, stream_xid_.has_value());
  std::visit([&](const auto& m) { on(m); }, message);
}

void ChangeAssembler::feed(std::span<const std::byte> pgoutput_message,
                           std::vector<SourceItem>& out) {
  feed(pgoutput_message);
  while (auto item = next_item()) out.push_back(std::move(*item));
}

std::optional<SourceItem> ChangeAssembler::next_item() {
  if (!ready_) return std::nullopt;
  Ready& ready = *ready_;
  if (std::optional<RowChange> change = ready.pending.changes->take()) {
    change->commit_time_micros = ready.commit_time_micros;
    change->position = PgPosition{ready.end_lsn, ready.handed_out++};
    return SourceItem(std::move(*change));
  }
  SourceItem end = TransactionEnd{PgPosition{ready.end_lsn, ready.handed_out},
                                  ready.commit_time_micros, std::move(ready.pending.watermark)};
  ready_.reset();  // the buffer goes, and its spill file with it
  return end;
}

ChangeAssembler::Pending ChangeAssembler::new_pending() const { return Pending{buffers_(), {}}; }

bool ChangeAssembler::in_transaction() const {
  return in_begin_ || stream_xid_.has_value() || !streams_.empty();
}

std::shared_ptr<const TableSchema> ChangeAssembler::relation(uint32_t oid) const {
  auto it = relations_.find(oid);
  return it == relations_.end() ? nullptr : it->second.schema;
}

void ChangeAssembler::on(const pgoutput::Begin& m) {
  if (in_begin_ || stream_xid_) {
    violation("Begin", "transaction " + std::to_string(m.xid) +
                           " begins while another transaction or stream block is open");
  }
  in_begin_ = true;
  begin_commit_time_ = m.commit_time_unix_micros;
  begin_xid_ = m.xid;
  pending_ = new_pending();
}

void ChangeAssembler::on(const pgoutput::Commit& m) {
  if (!in_begin_) violation("Commit", "no transaction is open (Commit without Begin)");
  in_begin_ = false;
  ready_.emplace(Ready{std::move(pending_), m.end_lsn, begin_commit_time_, 0});
  if (commit_observer_) commit_observer_(m.end_lsn, begin_xid_);
}

void ChangeAssembler::on(const pgoutput::Origin&) {}

void ChangeAssembler::on(const pgoutput::Relation& m) {
  TableSchema schema;
  // The protocol sends an empty namespace for pg_catalog.
  schema.id = TableId{m.schema.empty() ? "pg_catalog" : std::string(m.schema), std::string(m.name)};
  CachedRelation entry;
  schema.columns.reserve(m.columns.size());
  entry.type_oids.reserve(m.columns.size());
  entry.parse_oids.reserve(m.columns.size());
  for (const pgoutput::RelationColumn& c : m.columns) {
    Column& column = schema.columns.emplace_back();
    column.name = std::string(c.name);
    column.is_key = c.is_key();
    entry.type_oids.push_back(c.type_oid);
    if (std::string_view builtin = pg_type_name(c.type_oid); !builtin.empty()) {
      column.type_name = std::string(builtin);
      entry.parse_oids.push_back(c.type_oid);
    } else if (auto custom = custom_types_.find(c.type_oid); custom != custom_types_.end()) {
      // Enums, domains, composites, extension types: read as text, arrays of them as
      // arrays of text.
      column.type_name = custom->second.name;
      entry.parse_oids.push_back(custom->second.is_array ? oid::kTextArray : oid::kText);
    } else {
      column.type_name = "oid:" + std::to_string(c.type_oid);
      entry.parse_oids.push_back(oid::kText);
    }
  }

  auto cached = relations_.find(m.oid);
  if (cached != relations_.end() && cached->second.parse_oids == entry.parse_oids &&
      cached->second.type_oids == entry.type_oids && same_shape(*cached->second.schema, schema)) {
    return;  // the server resends Relation after cache invalidations; nothing changed
  }
  schema.version = ++schema_version_counter;
  entry.schema = std::make_shared<const TableSchema>(std::move(schema));
  relations_[m.oid] = std::move(entry);
}

void ChangeAssembler::on(const pgoutput::Type& m) {
  // The array type of a user-defined type T is named "_T" (PostgreSQL docs, "Arrays").
  custom_types_[m.oid] = CustomType{std::string(m.name), m.name.starts_with('_')};
}

void ChangeAssembler::on(const pgoutput::Insert& m) {
  const CachedRelation& relation = relation_for(m.relation_oid, "Insert");
  RowChange change;
  change.op = Operation::kInsert;
  change.table = relation.schema;
  change.after = read_row(relation, m.new_tuple, /*key_only=*/false, "Insert");
  hold(std::move(change), m.xid, "Insert");
}

void ChangeAssembler::on(const pgoutput::Update& m) {
  const CachedRelation& relation = relation_for(m.relation_oid, "Update");
  RowChange change;
  change.op = Operation::kUpdate;
  change.table = relation.schema;
  if (m.old_kind != pgoutput::OldTuple::kNone) {
    change.before =
        read_row(relation, m.old_tuple, m.old_kind == pgoutput::OldTuple::kKey, "Update");
  }
  change.after = read_row(relation, m.new_tuple, /*key_only=*/false, "Update");
  hold(std::move(change), m.xid, "Update");
}

void ChangeAssembler::on(const pgoutput::Delete& m) {
  const CachedRelation& relation = relation_for(m.relation_oid, "Delete");
  RowChange change;
  change.op = Operation::kDelete;
  change.table = relation.schema;
  change.before = read_row(relation, m.old_tuple, m.old_kind == pgoutput::OldTuple::kKey, "Delete");
  hold(std::move(change), m.xid, "Delete");
}

void ChangeAssembler::on(const pgoutput::Truncate& m) {
  for (uint32_t oid : m.relation_oids) {
    RowChange change;
    change.op = Operation::kTruncate;
    change.table = relation_for(oid, "Truncate").schema;
    hold(std::move(change), m.xid, "Truncate");
  }
}

void ChangeAssembler::on(const pgoutput::Message& m) {
  // Our re-snapshot watermarks; other messages (and non-transactional ones) are not ours.
  if (!m.transactional || m.prefix != kWatermarkPrefix) return;
  if (stream_xid_) {
    streams_.at(*stream_xid_).watermark = std::string(m.content);
  } else if (in_begin_) {
    pending_.watermark = std::string(m.content);
  }
}

void ChangeAssembler::on(const pgoutput::StreamStart& m) {
  if (in_begin_ || stream_xid_) {
    violation("Stream Start", "transaction " + std::to_string(m.xid) +
                                  " streams while another transaction or stream block is open");
  }
  stream_xid_ = m.xid;
  if (!streams_.contains(m.xid)) streams_.emplace(m.xid, new_pending());
}

void ChangeAssembler::on(const pgoutput::StreamStop&) {
  if (!stream_xid_) violation("Stream Stop", "no stream block is open");
  stream_xid_.reset();
}

void ChangeAssembler::on(const pgoutput::StreamCommit& m) {
  if (in_begin_ || stream_xid_) {
    violation("Stream Commit", "transaction " + std::to_string(m.xid) +
                                   " commits inside another transaction or stream block");
  }
  auto it = streams_.find(m.xid);
  if (it == streams_.end()) {
    violation("Stream Commit", "transaction " + std::to_string(m.xid) + " was never streamed");
  }
  ready_.emplace(Ready{std::move(it->second), m.end_lsn, m.commit_time_unix_micros, 0});
  streams_.erase(it);
  if (commit_observer_) commit_observer_(m.end_lsn, m.xid);
}

void ChangeAssembler::on(const pgoutput::StreamAbort& m) {
  if (in_begin_ || stream_xid_) {
    violation("Stream Abort", "transaction " + std::to_string(m.xid) +
                                  " aborts inside another transaction or stream block");
  }
  auto it = streams_.find(m.xid);
  if (it == streams_.end()) return;  // nothing of it was held
  if (m.subxid == m.xid) {
    streams_.erase(it);
    return;
  }
  // A rolled-back subtransaction (ROLLBACK TO SAVEPOINT): the server sends one Stream
  // Abort per aborted subtransaction, so only this one's changes go.
  it->second.changes->discard(m.subxid);
}

const ChangeAssembler::CachedRelation& ChangeAssembler::relation_for(uint32_t oid,
                                                                     const char* message) const {
  auto it = relations_.find(oid);
  if (it == relations_.end()) {
    violation(message,
              "relation oid " + std::to_string(oid) + " was not announced by a Relation message");
  }
  return it->second;
}

Row ChangeAssembler::read_row(const CachedRelation& relation, const TupleData& tuple, bool key_only,
                              const char* message) const {
  const TableSchema& schema = *relation.schema;
  if (tuple.size() != schema.columns.size()) {
    violation(message, "tuple for " + schema.id.qualified() + " has " +
                           std::to_string(tuple.size()) + " columns, the relation " +
                           std::to_string(schema.columns.size()));
  }
  Row row;
  row.reserve(tuple.size());
  size_t i = 0;
  for (const TupleColumn column : tuple) {
    if (key_only && !schema.columns[i].is_key) {
      row.emplace_back(Unchanged{});
    } else {
      switch (column.kind) {
        case TupleColumn::Kind::kNull:
          row.emplace_back(Null{});
          break;
        case TupleColumn::Kind::kUnchanged:
          row.emplace_back(Unchanged{});
          break;
        case TupleColumn::Kind::kText:
          try {
            row.push_back(parse_pg_value(relation.parse_oids[i], column.data));
          } catch (const ProtocolError& e) {
            // The parser names the type and text; the operator also needs the column.
            violation(message, std::string(e.what()) + " in column " + schema.id.qualified() + "." +
                                   schema.columns[i].name);
          }
          break;
        case TupleColumn::Kind::kBinary:
          violation(message, "column " + schema.id.qualified() + "." + schema.columns[i].name +
                                 " arrived in binary format, which is never requested");
      }
    }
    ++i;
  }
  return row;
}

void ChangeAssembler::hold(RowChange change, uint32_t xid, const char* message) {
  if (stream_xid_) {
    streams_.at(*stream_xid_).changes->append(std::move(change), xid != 0 ? xid : *stream_xid_);
  } else if (in_begin_) {
    pending_.changes->append(std::move(change));
  } else {
    violation(message, "change outside a transaction (no Begin or Stream Start)");
  }
}

}  // namespace cdc::pg
