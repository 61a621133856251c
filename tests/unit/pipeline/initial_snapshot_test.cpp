// When `run` requests the initial snapshot, and what snapshot.json records.
#include "pipeline/initial_snapshot.h"

#include <doctest/doctest.h>

#include "support/temp_dir.h"

using cdc::config::SnapshotMode;
using cdc::pipeline::initial_snapshot_due;
using cdc::pipeline::read_snapshot_record;
using cdc::pipeline::SnapshotRecord;

TEST_CASE("initial snapshot: initial asks once per slot, always every start, never not at all") {
  // A first start: no slot (or stored position) yet.
  CHECK(initial_snapshot_due(SnapshotMode::kInitial, false, SnapshotRecord::kNone));
  // After a resync removed the slot, its successor starts from a new point.
  CHECK(initial_snapshot_due(SnapshotMode::kInitial, false, SnapshotRecord::kRequested));
  // Requested before: its progress is in state_dir; a slot made by hand is used as it is.
  CHECK_FALSE(initial_snapshot_due(SnapshotMode::kInitial, true, SnapshotRecord::kRequested));
  CHECK_FALSE(initial_snapshot_due(SnapshotMode::kInitial, true, SnapshotRecord::kNone));
  // An older version's snapshot that did not finish: asked again, the slot kept.
  CHECK(initial_snapshot_due(SnapshotMode::kInitial, true, SnapshotRecord::kUnfinished));
  CHECK(initial_snapshot_due(SnapshotMode::kAlways, true, SnapshotRecord::kRequested));
  CHECK_FALSE(initial_snapshot_due(SnapshotMode::kNever, false, SnapshotRecord::kNone));
}

TEST_CASE("initial snapshot: snapshot.json is read for its own slot only, old records too") {
  cdc::test::TempDir dir("snapshot_record");
  const auto file = dir.path() / "snapshot.json";
  CHECK(read_snapshot_record(file, "s1") == SnapshotRecord::kNone);
  dir.write_file("snapshot.json", R"({"slot": "s1", "requested": true})");
  CHECK(read_snapshot_record(file, "s1") == SnapshotRecord::kRequested);
  CHECK(read_snapshot_record(file, "s2") == SnapshotRecord::kNone);
  dir.write_file("snapshot.json", R"({"slot": "s1", "done": true})");
  CHECK(read_snapshot_record(file, "s1") == SnapshotRecord::kRequested);
  dir.write_file("snapshot.json", R"({"slot": "s1", "done": false})");
  CHECK(read_snapshot_record(file, "s1") == SnapshotRecord::kUnfinished);
  dir.write_file("snapshot.json", "not json");
  CHECK(read_snapshot_record(file, "s1") == SnapshotRecord::kNone);
}
