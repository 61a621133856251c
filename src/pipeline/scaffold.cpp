#include "pipeline/scaffold.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "core/errors.h"
#include "mapping/mapper.h"
#include "mapping/retainly_limits.h"
#include "pipeline/row_image_findings.h"

namespace cdc::pipeline {
namespace {

bool is_one_of(const std::string& value, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* name) { return value == name; });
}

std::string too_long(int64_t chars) {
  return "holds up to " + std::to_string(chars) + " characters; Retainly keeps " +
         std::to_string(mapping::kMaxStringChars) + " (string_policy truncate would cut it)";
}

ColumnPlan plan_postgres(const ScaffoldColumn& column) {
  const std::string& t = column.type;
  if (t == "bytea") return {"", "binary (bytea): Retainly has no binary type"};
  if (is_one_of(t, {"point", "line", "lseg", "box", "path", "polygon", "circle", "geometry",
                    "geography"})) {
    return {"", "geometry (" + t + "): Retainly has no geometry type"};
  }
  if (t.starts_with("_")) return {"array", ""};
  if (is_one_of(t, {"int2", "int4", "int8", "oid", "float4", "float8", "numeric"})) {
    return {"number", ""};
  }
  if (t == "bool") return {"boolean", ""};
  if (t == "date") return {"date", ""};
  if (t == "timestamp" || t == "timestamptz") return {"date_time", ""};
  if (t == "json" || t == "jsonb") return {"json", ""};
  if (column.max_chars && *column.max_chars > static_cast<int64_t>(mapping::kMaxStringChars)) {
    return {"", too_long(*column.max_chars)};
  }
  return {"string", ""};  // text, varchar, uuid, enums, time, interval, inet, money...
}

ColumnPlan plan_mysql(const ScaffoldColumn& column) {
  const std::string& t = column.type;
  if (is_one_of(t, {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"})) {
    return {"", "binary (" + t + "): Retainly has no binary type"};
  }
  if (is_one_of(t, {"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
                    "multipolygon", "geometrycollection"})) {
    return {"", "geometry (" + t + "): Retainly has no geometry type"};
  }
  if (column.column_type == "tinyint(1)" || column.column_type == "bit(1)") return {"boolean", ""};
  if (is_one_of(t, {"tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float",
                    "double", "year", "bit"})) {
    return {"number", ""};
  }
  if (t == "date") return {"date", ""};
  if (t == "datetime" || t == "timestamp") return {"date_time", ""};
  if (t == "json") return {"json", ""};
  if (t == "set") return {"array", ""};
  if (column.max_chars && *column.max_chars > static_cast<int64_t>(mapping::kMaxStringChars)) {
    return {"", too_long(*column.max_chars)};
  }
  return {"string", ""};  // char, varchar, tinytext, enum, time
}

// The column of the customer id for arrays and events.
std::string customer_id_column(const ScaffoldTable& table, const ScaffoldRequest& request) {
  auto has = [&](const std::string& name) {
    return std::any_of(table.columns.begin(), table.columns.end(),
                       [&](const ScaffoldColumn& c) { return c.name == name; });
  };
  if (!request.customer_id.empty()) {
    if (!has(request.customer_id)) {
      throw ConfigError("--customer-id: " + table.table.qualified() + " has no column " +
                        request.customer_id);
    }
    return request.customer_id;
  }
  for (const char* name : {"customer_id", "user_id"}) {
    if (has(name)) return name;
  }
  if (!table.foreign_keys.empty()) return table.foreign_keys.front();
  throw ConfigError(table.table.qualified() +
                    " has no foreign key and no customer_id or user_id column: name the column "
                    "holding the Retainly customer id with --customer-id COLUMN");
}

// The primary key as an id: the column, or a template joining a composite key's columns.
std::string key_id(const ScaffoldTable& table, const std::vector<std::string>& columns) {
  if (columns.empty()) {
    throw ConfigError(table.table.qualified() +
                      " has no primary key to use as an id; add one, or write the mapping's id "
                      "by hand (a unique column or a template)");
  }
  if (columns.size() == 1) return columns.front();
  std::string id = "\"";
  for (size_t i = 0; i < columns.size(); ++i) id += (i > 0 ? "-" : "") + ("{{" + columns[i] + "}}");
  return id + "\"";
}

// The fields block: every column but `skip`, with its type or commented out with why.
// `max_fields` and `max_arrays` are Retainly's limits for where the fields go.
void write_fields(std::ostream& out, const ScaffoldTable& table, const std::set<std::string>& skip,
                  const std::string& indent, size_t max_fields, size_t max_arrays) {
  size_t fields = 0;
  size_t arrays = 0;
  for (const ScaffoldColumn& column : table.columns) {
    if (skip.contains(column.name)) continue;
    ColumnPlan plan = plan_column(table.source, column);
    if (plan.reason.empty() && fields == max_fields) {
      plan.reason = "Retainly allows " + std::to_string(max_fields) + " fields here";
    }
    if (plan.reason.empty() && plan.type == "array" && arrays == max_arrays) {
      plan.reason = "Retainly allows " + std::to_string(max_arrays) + " array fields";
    }
    if (!plan.reason.empty()) {
      out << indent << "# " << column.name << ": { column: " << column.name
          << " }  # left out: " << plan.reason << "\n";
      continue;
    }
    ++fields;
    if (plan.type == "array") ++arrays;
    out << indent << column.name << ": { column: " << column.name << ", type: " << plan.type
        << " }\n";
  }
  if (fields == 0) out << indent << "{}\n";
}

// What the mapping reads that the source's row images do not log (row_image_findings.h),
// which `check` and `run` refuse.
std::string row_image_note(const ScaffoldTable& table, const std::string& mapping_text) {
  std::vector<mapping::TableMapping> compiled;
  compiled.push_back(mapping::parse_mapping(mapping_text, "scaffold.yaml", {}));
  const auto requirements = mapping::requirements(mapping::Mapper(std::move(compiled)));
  const auto& req = requirements.front();
  const std::string name = table.table.qualified();
  const std::string refused =
      ": `check` and `run` refuse the table until then, unless the mapping says "
      "allow_partial: true.";
  if (table.source == ScaffoldSource::kPostgres) {
    if (table.row_image == "f") return "REPLICA IDENTITY FULL: old rows carry every column.";
    const char identity = table.row_image.empty() ? 'd' : table.row_image.front();
    const auto finding = postgres_row_image_finding(req, identity, table.identity_columns);
    const std::string logged = identity == 'i'   ? "an index"
                               : identity == 'n' ? "nothing"
                                                 : "the primary key";
    if (finding) {
      return "NEEDS ALTER TABLE " + name + " REPLICA IDENTITY FULL: this mapping reads " +
             finding->reads + ", which the replica identity (" + logged + ") does not log" +
             refused;
    }
    if (identity == 'n') {
      return "NEEDS a primary key or ALTER TABLE " + name +
             " REPLICA IDENTITY FULL: the replica identity (nothing) logs no old rows, so "
             "UPDATE and DELETE fail once the table is published.";
    }
    return "the replica identity (" + logged +
           ") logs what this mapping reads from old rows. Conditions on old values "
           "(before.x, changed()), on_delete set and delete events need ALTER TABLE " +
           name + " REPLICA IDENTITY FULL.";
  }
  if (table.row_image == "FULL") return "binlog_row_image is FULL: old rows carry every column.";
  MysqlTableColumns columns;
  for (const auto& column : table.columns) columns.types[column.name] = column.type;
  columns.primary_key = table.primary_key;
  if (const auto finding = mysql_row_image_finding(req, table.row_image, columns)) {
    return "NEEDS binlog_row_image=FULL (the server has " + table.row_image +
           "): this mapping reads " + finding->reads + ", which " + table.row_image +
           " does not log" + refused;
  }
  return "binlog_row_image is " + table.row_image +
         ": the rows it logs carry what this mapping reads from them.";
}

// `text` as comment lines of at most 88 characters, broken between words.
std::string comment(const std::string& text) {
  constexpr size_t kWidth = 88;
  std::string out;
  std::string line = "#";
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    if (line.size() > 1 && line.size() + 1 + word.size() > kWidth) {
      out += line + "\n";
      line = "#";
    }
    line += " " + word;
  }
  return out + line + "\n";
}

}  // namespace

ColumnPlan plan_column(ScaffoldSource source, const ScaffoldColumn& column) {
  return source == ScaffoldSource::kPostgres ? plan_postgres(column) : plan_mysql(column);
}

std::string scaffold_mapping(const ScaffoldTable& table, const ScaffoldRequest& request) {
  const std::string name = table.table.qualified();
  std::ostringstream body;
  body << "table: " << name << "\n";
  switch (request.kind) {
    case ScaffoldKind::kCustomer: {
      body << "customer:\n  id: " << key_id(table, table.primary_key) << "\n  fields:\n";
      const std::set<std::string> skip(table.primary_key.begin(), table.primary_key.end());
      write_fields(body, table, skip, "    ", mapping::kMaxCustomerFields - 1,
                   mapping::kMaxArrayAttributes);
      body << "  # delete: a deleted row deletes the customer; { set: {...} }: marks it\n"
           << "  on_delete: ignore\n";
      break;
    }
    case ScaffoldKind::kArray: {
      const std::string customer = customer_id_column(table, request);
      std::vector<std::string> item_key;
      for (const auto& column : table.primary_key) {
        if (column != customer) item_key.push_back(column);
      }
      if (item_key.empty()) item_key = table.primary_key;
      body << "array:\n  customer_id: " << customer << "\n  field: " << table.table.name
           << "\n  item_id: " << key_id(table, item_key) << "\n  fields:\n";
      std::set<std::string> skip(table.primary_key.begin(), table.primary_key.end());
      skip.insert(customer);
      write_fields(body, table, skip, "    ", mapping::kMaxCustomerFields,
                   mapping::kMaxArrayAttributes);
      break;
    }
    case ScaffoldKind::kEvents: {
      const std::string customer = customer_id_column(table, request);
      body << "events:\n  - name: " << table.table.name << "_created\n    on: insert\n"
           << "    customer_id: " << customer << "\n    data:\n";
      // The event key field (event_key by default) takes one of Retainly's 50.
      write_fields(body, table, {customer}, "      ", mapping::kMaxEventDataFields - 1,
                   mapping::kMaxArrayAttributes);
      break;
    }
  }
  const std::string source =
      table.source == ScaffoldSource::kPostgres ? "PostgreSQL" : "MySQL/MariaDB";
  std::ostringstream out;
  out << "# yaml-language-server: $schema=/usr/share/retainly-cdc/schema/mapping.schema.json\n"
      << "# A starter mapping for " << name << ", written by `retainly-cdc scaffold` from the\n"
      << "# table as " << source << " describes it. Rename fields to what Retainly should "
      << "call them,\n# then `retainly-cdc check` and `retainly-cdc preview --table " << name
      << "`.\n"
      << comment("Old rows: " + row_image_note(table, body.str())) << body.str();
  return out.str();
}

}  // namespace cdc::pipeline
