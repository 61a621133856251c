// What `check`, `run` and a reload say about a table whose mapping reads what the source's
// row images do not carry (issue 19): the file, table, reads, setting and fix; a warning
// instead of a refusal with allow_partial: true.
#include "pipeline/row_image_findings.h"

#include <doctest/doctest.h>

#include <sstream>

#include "mapping/mapping_loader.h"

namespace cdc::pipeline {
namespace {

mapping::TableRequirements requirements_of(const std::string& yaml) {
  std::vector<mapping::TableMapping> mappings;
  mappings.push_back(mapping::parse_mapping(yaml, "mappings/orders.yaml", {}));
  return mapping::requirements(mapping::Mapper(std::move(mappings))).front();
}

const std::string kOrders = R"(table: public.orders
where: status != 'draft'
array: { customer_id: user_id, field: purchases, item_id: id, fields: { total: total, note: note } }
events:
  - { name: placed, on: insert, data: { total: total } }
)";

}  // namespace

TEST_CASE("row image findings: postgres names file, table, reads, identity and the fix") {
  const auto req = requirements_of(kOrders);
  const auto refused = postgres_row_image_finding(req, 'd', {"id"});
  REQUIRE(refused);
  CHECK_FALSE(refused->allowed);
  CHECK(refused->message ==
        "mappings/orders.yaml: table public.orders: reads user_id in array.customer_id (deletes "
        "and moves name the old customer), status in a where with events, which REPLICA "
        "IDENTITY DEFAULT does not log; run ALTER TABLE public.orders REPLICA IDENTITY FULL, or "
        "set allow_partial: true in the mapping to accept that the calls and events that need "
        "those values are then dead-lettered, decided without them or sent without them "
        "(mappings/README.md, \"Old row images\")");
  CHECK(postgres_row_image_finding(req, 'i', {"id"})->setting == "REPLICA IDENTITY USING INDEX");
  CHECK_FALSE(postgres_row_image_finding(req, 'f', {}));
  CHECK_FALSE(postgres_row_image_finding(req, 'd', {"id", "user_id", "status"}));

  std::vector<Problem> problems;
  std::ostringstream notes;
  report_row_image_finding(*refused, problems, notes);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].kind == Problem::kSource);
  CHECK(notes.str().empty());
}

TEST_CASE("row image findings: allow_partial makes the same text a warning") {
  const auto allowed =
      postgres_row_image_finding(requirements_of("allow_partial: true\n" + kOrders), 'd', {"id"});
  REQUIRE(allowed);
  CHECK(allowed->allowed);
  CHECK(allowed->message.starts_with(
      "mappings/orders.yaml: table public.orders: reads user_id in array.customer_id (deletes "
      "and moves name the old customer), status in a where with events, which REPLICA "
      "IDENTITY DEFAULT does not log; accepted by allow_partial: true in the mapping: "));
  std::vector<Problem> problems;
  std::ostringstream notes;
  report_row_image_finding(*allowed, problems, notes);
  CHECK(problems.empty());
  CHECK(notes.str() == "warning: " + allowed->message + "\n");
}

TEST_CASE("row image findings: mysql MINIMAL and NOBLOB, new rows included") {
  const auto req = requirements_of(kOrders);
  MysqlTableColumns columns;
  columns.types = {{"id", "bigint"},
                   {"user_id", "bigint"},
                   {"status", "varchar"},
                   {"total", "int"},
                   {"note", "text"}};
  columns.primary_key = {"id"};
  const auto minimal = mysql_row_image_finding(req, "minimal", columns);
  REQUIRE(minimal);
  CHECK(minimal->reads ==
        "user_id in array.customer_id (deletes and moves name the old customer), status in a "
        "where with events, status in the where (a new row it cannot test is rejected), user_id "
        "in array.customer_id (Retainly replaces items whole), total in array.fields.total "
        "(Retainly replaces items whole), note in array.fields.note (Retainly replaces items "
        "whole), user_id in events[0].customer_id of an insert or update event");
  CHECK(minimal->setting == "binlog_row_image=MINIMAL");
  CHECK(minimal->fix.starts_with("SET GLOBAL binlog_row_image = 'FULL'"));

  // NOBLOB leaves out only unchanged BLOB/TEXT columns: here the item's note.
  const auto noblob = mysql_row_image_finding(req, "NOBLOB", columns);
  REQUIRE(noblob);
  CHECK(noblob->reads == "note in array.fields.note (Retainly replaces items whole)");
  columns.types["note"] = "varchar";
  CHECK_FALSE(mysql_row_image_finding(req, "NOBLOB", columns));

  CHECK_FALSE(mysql_row_image_finding(req, "FULL", columns));
  // Without a primary key MINIMAL logs whole old rows.
  columns.primary_key.clear();
  CHECK_FALSE(mysql_row_image_finding(req, "MINIMAL", columns));
}

}  // namespace cdc::pipeline
