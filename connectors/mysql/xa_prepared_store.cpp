#include "connectors/mysql/xa_prepared_store.h"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "state/atomic_file.h"
#include "state/spill_file.h"

namespace cdc::mysql {
namespace {

// Names sort by creation: nanoseconds since the epoch, zero-padded, and a counter for
// two in the same nanosecond.
std::string new_stamp() {
  static uint64_t counter = 0;
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return fmt::format("{:020}-{:06}", now, ++counter % 1000000);
}

}  // namespace

XaPreparedStore::XaPreparedStore(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
}

SpillStoreFactory XaPreparedStore::factory() {
  return [this] {
    last_stamp_ = new_stamp();
    return std::unique_ptr<SpillStore>(state::SpillFile::create(dir_ / (last_stamp_ + ".rows")));
  };
}

void XaPreparedStore::persist(const std::string& xid, TransactionBuffer& rows, uint32_t count) {
  rows.keep();  // creates the file through factory() when the transaction had no rows
  const std::string stamp = last_stamp_;
  nlohmann::json mark = {{"xid", xid}, {"rows", count}};
  state::write_file_atomically(dir_ / (stamp + ".xa"), mark.dump() + "\n");
  if (auto it = by_xid_.find(xid); it != by_xid_.end() && loaded_.contains(it->second)) {
    remove(files_of(xid));
  }
  by_xid_[xid] = stamp;
}

std::vector<XaPreparedStore::Kept> XaPreparedStore::load() {
  std::map<std::string, std::string> newest;  // xid -> stamp
  std::map<std::string, uint32_t> counts;     // stamp -> rows
  std::vector<std::filesystem::path> leftovers;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const auto& path = entry.path();
    if (path.extension() == ".rows") {
      if (!std::filesystem::exists(std::filesystem::path(path).replace_extension(".xa"))) {
        leftovers.push_back(path);
      }
      continue;
    }
    if (path.extension() != ".xa") {
      if (path.extension() == ".tmp") leftovers.push_back(path);
      continue;
    }
    const auto text = state::read_file(path);
    nlohmann::json mark;
    try {
      mark = nlohmann::json::parse(text.value_or(""));
      const std::string xid = mark.at("xid").get<std::string>();
      const std::string stamp = path.stem().string();
      counts[stamp] = mark.at("rows").get<uint32_t>();
      auto it = newest.find(xid);
      if (it == newest.end() || it->second < stamp) newest[xid] = stamp;
    } catch (const nlohmann::json::exception& e) {
      throw SourceError("damaged prepared XA transaction file " + path.string() + ": " + e.what() +
                        ". Resync required: delete " + dir_.string() +
                        " and the stored position; `retainly-cdc run` then starts from the current "
                        "end of the binlog, and `retainly-cdc resnapshot` resends the mapped "
                        "tables beside the stream");
    }
  }
  std::vector<Kept> kept;
  for (const auto& [xid, stamp] : newest) {
    auto rows =
        std::make_unique<TransactionBuffer>(state::SpillFile::open_kept(dir_ / (stamp + ".rows")));
    kept.push_back(Kept{xid, std::move(rows), counts[stamp]});
    by_xid_[xid] = stamp;
    loaded_.insert(stamp);
    counts.erase(stamp);
  }
  // What is left in counts: older prepares of an xid whose newer one supersedes them.
  for (const auto& [stamp, rows] : counts) {
    leftovers.push_back(dir_ / (stamp + ".rows"));
    leftovers.push_back(dir_ / (stamp + ".xa"));
  }
  remove(leftovers);
  return kept;
}

std::vector<std::filesystem::path> XaPreparedStore::files_of(const std::string& xid) const {
  auto it = by_xid_.find(xid);
  if (it == by_xid_.end()) return {};
  return {dir_ / (it->second + ".xa"), dir_ / (it->second + ".rows")};
}

void XaPreparedStore::remove(const std::vector<std::filesystem::path>& files) {
  // The mark first: a crash between the two leaves a .rows file alone, which load()
  // removes. A file that cannot be removed now is no harm either: a resolved xid's files
  // give way to its next prepare.
  for (const auto& file : files) {
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
  }
}

}  // namespace cdc::mysql
