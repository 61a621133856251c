// The simulation's checks find what they are for: an empty Retainly after a committed
// transaction, and a dead letter Retainly never refused.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "mock/store.h"
#include "pipeline/sim/sim_checks.h"

namespace cdc::pipeline::sim {
namespace {

SimWorld one_transaction_world() {
  SimProfile profile;
  profile.transactions = 1;
  SimWorld world(7, profile);
  world.commit_workload_transaction();
  return world;
}

TEST_CASE("simulation checks: an acknowledged transaction Retainly lacks is found") {
  const SimWorld world = one_transaction_world();
  const mock::Store empty;
  CHECK(check_acknowledged(world, empty, world.first_lsn() - 1).empty());
  CHECK_FALSE(check_acknowledged(world, empty, world.wal().back().lsn).empty());
}

TEST_CASE("simulation checks: Retainly short of the database is found") {
  const SimWorld world = one_transaction_world();
  const mock::Store empty;
  CHECK_FALSE(check_final_state(world, empty).empty());
}

TEST_CASE("simulation checks: only dead letters of refused records pass") {
  std::string pattern = (std::filesystem::temp_directory_path() / "cdc-sim-checks-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  const std::filesystem::path file = std::filesystem::path(pattern) / "dead_letters.jsonl";
  {
    std::ofstream out(file);
    out << R"({"status":422,"payload":{"customers":[{"id":1,"name":"REFUSED"}]}})"
        << "\n";
  }
  CHECK(check_dead_letters(file).empty());
  {
    std::ofstream out(file, std::ios::app);
    out << R"({"status":500,"payload":{"customers":[{"id":2,"name":"ann"}]}})"
        << "\n";
  }
  CHECK(check_dead_letters(file).size() == 1);
  std::filesystem::remove_all(pattern);
}

}  // namespace
}  // namespace cdc::pipeline::sim
