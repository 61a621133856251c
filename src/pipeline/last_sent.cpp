#include "pipeline/last_sent.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "core/errors.h"
#include "ops/log.h"
#include "pipeline/backfill_checkpoint.h"
#include "pipeline/changed_filter.h"
#include "pipeline/source_factory.h"
#include "state/atomic_file.h"
#include "state/local_filesystem.h"

namespace cdc::pipeline {

std::filesystem::path last_sent_directory(const config::ConnectorConfig& config) {
  return config.last_sent_dir.empty() ? config.state_dir / "last-sent" : config.last_sent_dir;
}

std::filesystem::path last_sent_owner_file(const config::ConnectorConfig& config) {
  return config.state_dir / "last-sent-owner";
}

std::optional<std::string> last_sent_location_problem(const config::ConnectorConfig& config) {
  const auto directory = last_sent_directory(config);
  const auto remote = state::remote_filesystem(directory);
  if (!remote) return std::nullopt;
  return fmt::format(
      "{}: the last-sent store {} is on a {} filesystem, where LMDB's memory map and locks are "
      "not safe (a stale page could skip a field Retainly lacks): set last_sent_dir to a "
      "folder on a local disk (docs/last-sent-store.md, \"Where it lives\")",
      config.file.string(), directory.string(), *remote);
}

namespace {

// CDC_STORE_MAP_BYTES, for running the connector under valgrind, which cannot map the
// default 256 GiB (docs/benchmarks.md, "Profiles"). The map is address space, not disk,
// so production has no use for it.
size_t store_map_bytes() {
  constexpr const char* kName = "CDC_STORE_MAP_BYTES";
  const char* set = std::getenv(kName);
  if (set == nullptr || *set == '\0') return state::KvStore::kDefaultMapBytes;
  const std::string_view text(set);
  constexpr uint64_t kMinimum = uint64_t{1} << 20;
  uint64_t bytes = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), bytes);
  if (ec != std::errc() || end != text.data() + text.size() || bytes < kMinimum) {
    throw std::runtime_error(fmt::format(
        "{}: expected a number of bytes of at least {}, got \"{}\"", kName, kMinimum, text));
  }
  return bytes;
}

void require_local(const config::ConnectorConfig& config) {
  if (auto problem = last_sent_location_problem(config)) throw ConfigError(*problem);
}

// For commands that change a store but never create one (`forget`, a replay): nullptr
// when there is none yet.
std::unique_ptr<state::LastSentStore> open_last_sent_store_if_any(
    const config::ConnectorConfig& config) {
  if (!std::filesystem::exists(last_sent_directory(config) / "data.mdb")) return nullptr;
  return open_last_sent_store(config);
}

}  // namespace

std::string workspace_name(const config::ConnectorConfig& config) {
  std::string_view url = config.sink.url;
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);  // the same endpoint
  // The key is redacted like a secret: a cryptographic hash, so that the store's file
  // tells nothing of it.
  std::string identity("retainly-cdc workspace\n");
  identity.append(url).append(1, '\0').append(config.sink.key);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(identity.data(), identity.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed (OpenSSL's EVP_Digest)");
  }
  std::string name;
  for (unsigned int i = 0; i < size; ++i) {
    fmt::format_to(std::back_inserter(name), "{:02x}", digest[i]);
  }
  return name;
}

std::unique_ptr<state::LastSentStore> open_last_sent_store(const config::ConnectorConfig& config) {
  require_local(config);
  return std::make_unique<state::LastSentStore>(last_sent_directory(config), /*read_only=*/false,
                                                store_map_bytes());
}

std::unique_ptr<state::LastSentStore> read_last_sent_store(const config::ConnectorConfig& config) {
  require_local(config);
  return state::LastSentStore::open_existing(last_sent_directory(config));
}

namespace {

// Why the next run or backfill would forget what `filter`'s store holds, or nullopt.
std::optional<std::string> forgotten_at_next_start(const config::ConnectorConfig& config,
                                                   ChangedFilter& filter) {
  filter.set_owner_file(last_sent_owner_file(config));
  filter.set_workspace(workspace_name(config));
  return filter.unseen_by_store(stream_resume_position(config));
}

}  // namespace

void warn_if_last_sent_stale(const config::ConnectorConfig& config, ChangedFilter& filter) {
  const auto why = forgotten_at_next_start(config, filter);
  if (!why) return;
  log::warn(
      "the last-sent store in {} {}: the next run or backfill forgets the values it holds, so "
      "the fields shown skipped as last_sent would be sent",
      last_sent_directory(config).string(), *why);
}

nlohmann::json last_sent_status(const config::ConnectorConfig& config) {
  const auto opened = read_last_sent_store(config);
  if (opened == nullptr) return nlohmann::json::object();
  state::LastSentStore& store = *opened;
  const auto stats = store.stats();
  nlohmann::json out;
  out["last_sent_bytes"] = stats.file_bytes;
  out["last_sent_customers"] = stats.customers;
  out["last_sent_items"] = stats.items;
  const uint64_t fields = stats.fields_sent + stats.fields_skipped;
  // A share with three decimals, as operators read it ("0.9" is 90% skipped).
  out["fields_skipped_share"] =
      fields == 0 ? 0.0
                  : std::round(1000.0 * static_cast<double>(stats.fields_skipped) /
                               static_cast<double>(fields)) /
                        1000.0;
  // What a warning of the next start would say, for an operator who looks first. Not
  // when the source cannot tell where the stream resumes: the rest of `status` says why.
  try {
    ChangedFilter filter(store);
    if (const auto why = forgotten_at_next_start(config, filter)) {
      out["last_sent_forgotten_at_next_start"] = "the last-sent store " + *why;
    }
  } catch (const std::exception&) {
  }
  // Where each table's backfill stands: `backfill --resume` continues the unfinished.
  for (const auto& [table, checkpoint] : stored_checkpoints(store)) {
    out["backfill"][table] = {{"rows", checkpoint.rows}, {"done", checkpoint.done}};
  }
  return out;
}

uint64_t forget_replayed(const config::ConnectorConfig& config,
                         std::span<const retainly::Call> calls) {
  if (std::all_of(calls.begin(), calls.end(), [](const retainly::Call& call) {
        return call.kind == retainly::CallKind::kEvent;  // Retainly keeps no state of them
      })) {
    return 0;
  }
  uint64_t dropped = 0;
  std::optional<std::string> ours;
  if (const auto store = open_last_sent_store_if_any(config)) {
    ChangedFilter filter(*store);
    dropped = filter.forget_replayed(calls);
    ours = filter.store_name();
  }
  // Another instance's store, named as the last that streamed, learns nothing of this
  // replay: a name that is no store's makes every store forget its values at its next
  // start, as after the other instance of a pair streamed (ChangedFilter::check_resume).
  const auto owner_file = last_sent_owner_file(config);
  if (const auto owner = read_owner_file(owner_file); owner && owner != ours) {
    state::write_file_atomically(owner_file, state::random_name() + "\n");
    log::warn(
        "{} named another instance's last-sent store as the last that streamed; the replay "
        "puts values in Retainly that store never saw, so each store forgets the values it "
        "holds at its next start",
        owner_file.string());
  }
  return dropped;
}

uint64_t forget_last_sent(const config::ConnectorConfig& config, const std::string& table) {
  const auto store = open_last_sent_store_if_any(config);
  if (store == nullptr) return 0;
  const uint64_t removed = store->forget(table);
  store->sync();
  return removed;
}

}  // namespace cdc::pipeline
