#include "connectors/postgres/pg_table_reader.h"

#include <algorithm>

#include "connectors/postgres/pg_types.h"
#include "connectors/postgres/pg_value_parser.h"
#include "core/errors.h"

namespace cdc::pg {
namespace {

// One row per column pgoutput would send (pgoutput skips dropped and generated columns;
// PostgreSQL 15, src/backend/replication/pgoutput/pgoutput.c), with the column's place in
// the primary key and in the replica identity index (NULL when not in it).
constexpr const char* kColumnsSql =
    "SELECT a.attname, a.atttypid::int8, t.typname, t.typcategory = 'A', c.relreplident, "
    "array_position(pk.indkey::int2[], a.attnum), array_position(ri.indkey::int2[], a.attnum) "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "AND a.attgenerated = '' "
    "JOIN pg_type t ON t.oid = a.atttypid "
    "LEFT JOIN pg_index pk ON pk.indrelid = c.oid AND pk.indisprimary "
    "LEFT JOIN pg_index ri ON ri.indrelid = c.oid AND ri.indisreplident "
    "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') "
    "ORDER BY a.attnum";

struct KeyPart {
  int position = 0;
  std::string column;
};

std::vector<std::string> ordered(std::vector<KeyPart> parts) {
  std::sort(parts.begin(), parts.end(),
            [](const KeyPart& a, const KeyPart& b) { return a.position < b.position; });
  std::vector<std::string> out;
  out.reserve(parts.size());
  for (auto& part : parts) out.push_back(std::move(part.column));
  return out;
}

}  // namespace

PgTableReader::PgTableReader(const PgConnection& conn, TableId table, Options options)
    : conn_(conn), options_(options) {
  load_schema(std::move(table));
}

void PgTableReader::load_schema(TableId table) {
  auto result = conn_.query(kColumnsSql, {table.schema, table.name});
  if (result.rows.empty()) {
    throw SourceError("table " + table.qualified() +
                      " does not exist in PostgreSQL (or has no columns, or is not an ordinary "
                      "or partitioned table)");
  }
  auto schema = std::make_shared<TableSchema>();
  schema->id = std::move(table);
  // One shape for the whole read; the Mapper caches per schema object.
  schema->version = 1;
  std::vector<KeyPart> primary_key;
  std::vector<KeyPart> identity_index;
  const char replica_identity = result.rows[0][4].value_or("d").at(0);
  for (const auto& row : result.rows) {
    Column& column = schema->columns.emplace_back();
    column.name = row[0].value_or("");
    const auto type_oid = static_cast<uint32_t>(std::stoul(row[1].value_or("0")));
    const bool is_array = row[3].value_or("f") == "t";
    const std::optional<std::string>& pk_position = row[5];
    const std::optional<std::string>& ri_position = row[6];
    // Built-in types parse by their OID; enums, domains, composites and extension types
    // as text (arrays of them as arrays of text), as ChangeAssembler::on(Relation) does.
    if (std::string_view builtin = pg_type_name(type_oid); !builtin.empty()) {
      column.type_name = std::string(builtin);
      parse_oids_.push_back(type_oid);
    } else {
      column.type_name = row[2].value_or("");
      parse_oids_.push_back(is_array ? oid::kTextArray : oid::kText);
    }
    if (pk_position) primary_key.push_back({std::stoi(*pk_position), column.name});
    if (ri_position) identity_index.push_back({std::stoi(*ri_position), column.name});
    // pgoutput flags the replica identity's columns as key: the primary key's under
    // DEFAULT, the index's under USING INDEX, every column under FULL, none under NOTHING.
    switch (replica_identity) {
      case 'd':
        column.is_key = pk_position.has_value();
        break;
      case 'i':
        column.is_key = ri_position.has_value();
        break;
      case 'f':
        column.is_key = true;
        break;
      default:
        column.is_key = false;
        break;
    }
  }
  page_key_ = !primary_key.empty()      ? ordered(std::move(primary_key))
              : !identity_index.empty() ? ordered(std::move(identity_index))
                                        : std::vector<std::string>{"ctid"};

  std::string columns;
  for (const Column& column : schema->columns) {
    if (!columns.empty()) columns += ", ";
    columns += conn_.quote_identifier(column.name);
  }
  // A key column that is one of the table's is read from it; ctid is selected after them.
  size_t fields = schema->columns.size();
  std::string keys;
  for (const std::string& key : page_key_) {
    if (!keys.empty()) keys += ", ";
    // Quoting "ctid" still names the system column: no user column may take its name.
    keys += conn_.quote_identifier(key);
    const int index = key == "ctid" ? -1 : schema->column_index(key);
    if (index >= 0) {
      key_fields_.push_back(static_cast<size_t>(index));
    } else {
      columns += ", " + conn_.quote_identifier(key);
      key_fields_.push_back(fields++);
    }
  }
  fields_ = fields;
  row_key_.resize(key_fields_.size());
  select_from_ =
      "SELECT " + columns + " FROM " + quote_table(conn_, schema->id.schema, schema->id.name);
  order_by_ = " ORDER BY " + keys;
  key_tuple_ = "(" + keys + ")";
  schema_ = std::move(schema);
}

std::string PgTableReader::copy_sql(size_t limit) const {
  std::string sql = "COPY (" + select_from_;
  // A row comparison follows the same btree order as ORDER BY on the same columns, so
  // "after the last key" is exactly "the rest of the ordered table". COPY takes no
  // parameters: the key's text goes in as literals, which take the columns' types.
  if (last_key_) {
    sql += " WHERE " + key_tuple_ + " > (";
    for (size_t k = 0; k < last_key_->size(); ++k) {
      if (k > 0) sql += ", ";
      sql += conn_.quote_literal((*last_key_)[k]);
    }
    sql += ")";
  }
  // The LIMIT also makes the planner walk the key's index rather than sort the table.
  sql += order_by_ + " LIMIT " + std::to_string(limit) + ") TO STDOUT";
  return sql;
}

void PgTableReader::start_stream(size_t max_rows) {
  // The first statement reads exactly one batch, so a reader opened for one batch (a
  // re-snapshot chunk) leaves no copy half read; later ones grow, so a whole-table read
  // takes few statements, each bounded (a sort, if the planner chose one, stays small).
  stream_limit_ =
      stream_limit_ == 0 ? max_rows : std::min(stream_limit_ * 4, max_rows * kMaxStreamBatches);
  stream_rows_ = 0;
  stream_.emplace(conn_, copy_sql(stream_limit_));
}

size_t PgTableReader::next_batch(size_t max_rows, std::vector<RowChange>& out) {
  max_rows = std::max<size_t>(max_rows, 1);
  const size_t ncols = schema_->columns.size();
  size_t taken = 0;
  std::optional<std::string_view> line;
  while (taken < max_rows) {
    if (!stream_ || stream_->ended()) {
      // A statement that ended short of its limit has read the table to its end.
      if (stream_ && stream_rows_ < stream_limit_) break;
      // The next statement starts after the last row read, which may be in this batch.
      if (taken > 0) remember_last_key();
      start_stream(max_rows);
    }
    if (!(line = stream_->next_row())) continue;
    ++stream_rows_;
    if (!row_.split(*line, fields_)) {
      throw SourceError("reading " + schema_->id.qualified() + ": a COPY row without " +
                        std::to_string(fields_) + " well-formed fields (did the table change " +
                        "while it was read?)");
    }
    RowChange& change = out.emplace_back();
    change.op = options_.op;
    change.table = schema_;
    Row& after = change.after;
    spare_rows_.reuse(after);
    after.resize(ncols);
    for (size_t c = 0; c < ncols; ++c) {
      if (const std::optional<std::string_view>& text = row_.field(c)) {
        parse_pg_value_into(parse_oids_[c], *text, after[c]);
      } else {
        after[c] = Null{};
      }
    }
    change.position = PgPosition{PgLsn{0}, rows_read_++};
    // The key's text is copied now: the row's buffer is gone once the stream ends.
    for (size_t k = 0; k < key_fields_.size(); ++k) {
      row_key_[k].assign(row_.field(key_fields_[k]).value_or(""));
    }
    ++taken;
  }
  if (taken > 0) remember_last_key();
  return taken;
}

void PgTableReader::remember_last_key() { last_key_ = row_key_; }

void PgTableReader::recycle(std::vector<RowChange>& rows) { spare_rows_.take_back(rows); }

void PgTableReader::resume_after(std::vector<std::string> key) {
  if (key.size() != page_key_.size()) {
    throw SourceError("resuming " + schema_->id.qualified() + ": the saved key has " +
                      std::to_string(key.size()) + " part(s) but the page key (" +
                      std::to_string(page_key_.size()) + " column(s)) has changed");
  }
  // A copy under way reads past the old key: finish it, and start after the new one.
  if (stream_ && !stream_->ended()) stream_->finish();
  stream_.reset();
  stream_limit_ = 0;
  last_key_ = std::move(key);
}

}  // namespace cdc::pg
