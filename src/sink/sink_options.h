// Settings of the Retainly sink, filled from the connector config's `sink:` section.
// Plain data; defaults are the documented defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cdc::sink {

struct SinkOptions {
  // Base URL without trailing slash, e.g. "https://track.retainly.app".
  std::string url = "https://track.retainly.app";
  std::string key;
  std::string secret;
  // More values never to write into a dead letter (database passwords a row might hold);
  // the key and the secret always are.
  std::vector<std::string> redacted;
  // Header names carrying the credentials (PRODUCT.md: `key` and `secret`).
  std::string key_header = "key";
  std::string secret_header = "secret";

  // Batching per endpoint: a batch goes when full, when nothing smaller of its endpoint
  // is in flight, or at the latest flush_interval after its oldest call arrived.
  size_t batch_max_records = 10000;
  size_t batch_max_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds flush_interval{200};
  // A batch that filled behind a smaller request goes at its answer, but no sooner than
  // this long after that request was sent (unless full): against a Retainly that answers
  // within a millisecond, a busy stream's requests otherwise shrink to what arrives during
  // one round trip, and each request costs the sink about 50 µs of CPU whatever its size.
  // Slower answers never wait for it, and a call that arrives after the answer, finding
  // nothing waiting, goes at once.
  std::chrono::microseconds batch_linger{1000};

  // The most HTTP requests in flight at once: the ceiling of the adaptive limit
  // (ConcurrencyLimit), which starts at 8, grows while answers are fast and halves on 429,
  // 5xx and timeouts. High by default so that events, one request each, reach 10,000/s at
  // 10 ms latency (about 100 in flight) and still several thousand per second over an
  // ocean; the limit, not this number, decides what is actually used.
  size_t concurrency = 256;
  std::chrono::milliseconds request_timeout{30000};

  // Retries for 5xx, timeouts and connection errors: exponential backoff with jitter.
  std::chrono::milliseconds retry_initial_backoff{200};
  std::chrono::milliseconds retry_max_backoff{30000};
  // 0: retry without limit. Otherwise, after this many failed attempts of one request
  // the sink fails (the daemon exits non-zero; nothing is dropped).
  uint32_t retry_max_attempts = 0;

  // Calls accepted but not yet acknowledged; submit() blocks beyond this, which holds
  // the reader back so memory stays bounded. A pending call of a narrow row takes about
  // 2 KB with its lane and batch bookkeeping and what the changed filter keeps of it;
  // 20,000 keep the 2M-change MySQL stream bench at 106-136 MiB peak (40,000 took 146-172
  // MiB) and still cover 200,000 calls/s at 100 ms latency.
  size_t max_pending_calls = 20000;

  // Dead-letter file (JSON lines). Empty: dead letters are an error.
  std::string dead_letter_path;
  // More than this many dead letters within dead_letter_window fails the sink, so that a
  // broken mapping does not quietly turn a whole table into dead letters. 0: no limit.
  size_t dead_letter_max_count = 0;
  std::chrono::seconds dead_letter_window{60};

  // TLS: verify peers by default; an optional CA bundle path.
  bool tls_verify = true;
  std::string ca_path;
};

}  // namespace cdc::sink
