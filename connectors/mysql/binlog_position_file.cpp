#include "connectors/mysql/binlog_position_file.h"

#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "state/atomic_file.h"

namespace cdc::mysql {

std::optional<ResumePoint> BinlogPositionFile::load() const {
  std::optional<std::string> text;
  try {
    text = state::read_file(path_);
  } catch (const std::exception& e) {
    throw SourceError("cannot read the stored binlog position: " + std::string(e.what()));
  }
  if (!text) return std::nullopt;
  try {
    const auto json = nlohmann::json::parse(*text);
    ResumePoint at;
    at.file = json.at("file").get<std::string>();
    at.offset = json.at("offset").get<uint64_t>();
    at.gtid_state = json.value("gtid_state", "");
    if (const auto after = json.find("after"); after != json.end()) {
      const auto position = parse_position(after->get<std::string>());
      if (!position || !std::holds_alternative<BinlogPosition>(*position)) {
        throw std::runtime_error("\"after\" is not a binlog position");
      }
      at.after = std::get<BinlogPosition>(*position);
    }
    if (at.file.empty() && at.gtid_state.empty()) throw std::runtime_error("no file and no GTID");
    return at;
  } catch (const std::exception& e) {
    throw SourceError(
        path_.string() + " does not hold a binlog position (" + e.what() +
        "). Restore it from a backup, or delete it to start from the server's "
        "current position and resend the tables with `retainly-cdc resnapshot` once it "
        "streams");
  }
}

void BinlogPositionFile::store(const ResumePoint& at) const {
  nlohmann::json json = {{"file", at.file}, {"offset", at.offset}, {"gtid_state", at.gtid_state}};
  if (at.after) json["after"] = to_string(Position{*at.after});
  state::write_file_atomically(path_, json.dump() + "\n");
}

}  // namespace cdc::mysql
