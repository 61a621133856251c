// Where the last-sent store lives and what the commands do with it: open it for the
// daemon and backfill, report it for `status`, empty it for `forget`.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

#include "config/connector_config.h"
#include "retainly/call.h"
#include "state/last_sent_store.h"

namespace cdc::pipeline {

// last_sent_dir: state_dir/last-sent unless the config places it elsewhere.
std::filesystem::path last_sent_directory(const config::ConnectorConfig& config);

// state_dir/last-sent-owner: which store streamed last (ChangedFilter::set_owner_file),
// beside the offsets, so that a pair sharing state_dir with a store each can tell.
std::filesystem::path last_sent_owner_file(const config::ConnectorConfig& config);

// Why the store cannot live where the config puts it (a network or user-space
// filesystem, state/local_filesystem.h), naming the file, the folder and the key to set;
// nullopt when it can. Every open below refuses with it (ConfigError); `check` lists it.
std::optional<std::string> last_sent_location_problem(const config::ConnectorConfig& config);

// The Retainly workspace the sink sends to, as the store names it
// (ChangedFilter::set_workspace): a SHA-256 of the sink's url and key, so that a change
// of either makes a store filled for the old one forget it. Neither is kept in the clear.
std::string workspace_name(const config::ConnectorConfig& config);

std::unique_ptr<state::LastSentStore> open_last_sent_store(const config::ConnectorConfig& config);
// Read only, for commands that write nothing (dry runs, `preview`, `status`); nullptr when
// there is no store yet (LastSentStore::open_existing).
std::unique_ptr<state::LastSentStore> read_last_sent_store(const config::ConnectorConfig& config);

class ChangedFilter;

// For commands that read the store without the instance lock (`run --dry-run`, `preview`,
// `backfill --dry-run`): logs a warning when the next start of the stream or a backfill
// would forget the store's values (ChangedFilter::check_resume: the other instance of a
// pair sent calls it never saw, or the store describes another Retainly workspace than the
// sink's), since the fields they show skipped as `last_sent` would then be sent. Reads
// where the stream resumes (the PostgreSQL slot, the MySQL position file) and the owner
// file; writes nothing.
void warn_if_last_sent_stale(const config::ConnectorConfig& config, ChangedFilter& filter);

// For `status`: its size on disk, customers and items it knows, the share of fields
// skipped since it was created, and why the next run or backfill forgets what it holds, if
// it does (`last_sent_forgotten_at_next_start`, as warn_if_last_sent_stale warns); {} when
// there is no store yet. Writes nothing.
nlohmann::json last_sent_status(const config::ConnectorConfig& config);

// `replay-dead-letters`, before it resends `calls` (refused once, so the store never saw
// them: only acknowledged calls of the daemon and backfills write it). Retainly will hold
// what they carry, which may be older than what the store says it holds: a row that later
// goes back to the value the store knows would be skipped, and Retainly keep the replayed
// one. So the store forgets, durably before anything is sent, what they change
// (ChangedFilter::forget_replayed); their next change sends it. Presence stamps stay
// (which table created which customer, for `backfill --mirror`). When state_dir's owner
// file names another store (a pair with a store each), it is renamed, so that each store
// forgets its values at its next start. Returns the stamps and items dropped; nothing
// when there is no store yet.
uint64_t forget_replayed(const config::ConnectorConfig& config,
                         std::span<const retainly::Call> calls);

// `forget`: drops what the store holds (for one table, "schema.table" or a name the
// mappings know, when `table` is not empty). Returns the entries removed.
uint64_t forget_last_sent(const config::ConnectorConfig& config, const std::string& table);

}  // namespace cdc::pipeline
