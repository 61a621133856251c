// XA and savepoints in a real binlog: local-mariadb-10.11.19-xa.000002, written by this
// machine's MariaDB 10.11.19 (tests/fixtures/mysql-binlog/README.md lists the statements):
//   XA 'committed': INSERT (1) .. XA PREPARE .. XA COMMIT
//   XA 'rolled':    INSERT (2) .. XA PREPARE .. XA ROLLBACK
//   XA 'onephase':  INSERT (3) .. XA COMMIT ONE PHASE (logged as an ordinary transaction)
//   BEGIN; INSERT (4); SAVEPOINT sp; INSERT (5); INSERT INTO a MyISAM table;
//     ROLLBACK TO SAVEPOINT sp; INSERT (6); COMMIT
// MySQL's own XA layout (XA START as a query, one_phase prepares) is covered by
// hand-built events in binlog_change_assembler_test.cpp: no MySQL server is at hand.
#include <doctest/doctest.h>

#include "connectors/mysql/binlog_change_assembler.h"
#include "decoded_file.h"
#include "fixture_files.h"

namespace cdc::mysql::testing {
namespace {

const char* kFile = "local-mariadb-10.11.19-xa.000002";

}  // namespace

TEST_CASE("fixture (MariaDB 10.11): XA_PREPARE_LOG_EVENT and the GTID events' XA flags") {
  const DecodedFile f = decode_binlog_file((fixtures_dir() / kFile).string());
  const auto prepares = events_of<XaPrepareEvent>(f);
  REQUIRE(prepares.size() == 2);
  CHECK_FALSE(prepares[0]->one_phase);
  CHECK(prepares[0]->format_id == 1);
  CHECK(prepares[0]->gtrid == "committed");
  CHECK(prepares[0]->bqual.empty());
  CHECK(prepares[0]->xid() == "X'636f6d6d6974746564',X'',1");
  CHECK(prepares[1]->gtrid == "rolled");

  std::vector<std::string> prepared, completed;
  for (const MariadbGtidEvent* gtid : events_of<MariadbGtidEvent>(f)) {
    if (gtid->flags & MariadbGtidEvent::kPreparedXa) prepared.push_back(gtid->xa_xid);
    if (gtid->flags & MariadbGtidEvent::kCompletedXa) completed.push_back(gtid->xa_xid);
  }
  CHECK(prepared ==
        std::vector<std::string>{"X'636f6d6d6974746564',X'',1", "X'726f6c6c6564',X'',1"});
  CHECK(completed == prepared);
}

TEST_CASE("fixture (MariaDB 10.11): only committed rows come out, each once, in commit order") {
  const DecodedFile f = decode_binlog_file((fixtures_dir() / kFile).string());
  BinlogChangeAssembler assembler({TableId{"cdc_test", "xa_t"}}, nullptr);
  assembler.start_at({"local-mariadb-10.11.19-xa.000002", 4, ""}, /*mariadb=*/true);
  EventDecoder decoder;
  std::vector<SourceItem> items;
  std::vector<std::string> prepared, resolved;
  for (const BinlogEvent& event : f.events) {
    auto commit = assembler.feed(event, decoder, items);
    while (auto held = assembler.next_held()) items.emplace_back(std::move(*held));
    if (!commit) continue;
    if (commit->prepared_xa) prepared.push_back(*commit->prepared_xa);
    if (commit->resolved_xa) resolved.push_back(*commit->resolved_xa);
    items.emplace_back(commit->end);
  }
  std::vector<int64_t> ids;
  for (const SourceItem& item : items) {
    if (const auto* change = std::get_if<RowChange>(&item)) {
      ids.push_back(change->after[0].as<int64_t>());
    }
  }
  CHECK(ids == std::vector<int64_t>{1, 3, 4, 6});
  CHECK(prepared ==
        std::vector<std::string>{"X'636f6d6d6974746564',X'',1", "X'726f6c6c6564',X'',1"});
  CHECK(resolved == prepared);
  // Positions grow strictly through the file, transaction ends included.
  const BinlogPosition* last = nullptr;
  for (const SourceItem& item : items) {
    const auto& position = std::get<BinlogPosition>(
        std::visit([](const auto& i) -> const Position& { return i.position; }, item));
    if (last != nullptr) CHECK(*last < position);
    last = &position;
  }
}

}  // namespace cdc::mysql::testing
