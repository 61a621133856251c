// A backfill's checkpoint as the connector keeps it in its state folder's last-sent store,
// read from the test process, beside a running connector if need be (LMDB readers may be
// other processes).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

namespace cdc::test {

// The checkpoint of `table` ("schema.table") as JSON: rows, done, last_key (an array of
// the key's texts, or null). Null while there is no store or no checkpoint of it.
nlohmann::json stored_checkpoint(const std::filesystem::path& state_dir, std::string_view table);

}  // namespace cdc::test
