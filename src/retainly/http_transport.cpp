#include "retainly/http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <string_view>

namespace cdc::retainly {
namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// Retainly's answers are small; a misbehaving proxy's are not kept whole.
constexpr size_t kMaxResponseBody = 1 << 20;

void init_curl_once() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) throw std::runtime_error("libcurl could not be initialised");
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

struct HttpTransport::Handles {
  MultiPtr multi;
};

struct HttpTransport::Transfer {
  uint64_t id = 0;
  EasyPtr easy;
  SlistPtr headers;
  std::string url;
  std::string body;
  std::string retry_after;
  char error[CURL_ERROR_SIZE] = {};

  static size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    const size_t room = kMaxResponseBody - std::min(kMaxResponseBody, transfer->body.size());
    transfer->body.append(data, std::min(bytes, room));
    return bytes;
  }

  static size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    std::string_view line(data, bytes);
    auto colon = line.find(':');
    if (colon != std::string_view::npos && iequals(line.substr(0, colon), "Retry-After")) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
        value.remove_suffix(1);
      }
      transfer->retry_after.assign(value);
    }
    return bytes;
  }
};

HttpTransport::HttpTransport(HttpTransportOptions options)
    : options_(std::move(options)), handles_(std::make_unique<Handles>()) {
  init_curl_once();
  handles_->multi.reset(curl_multi_init());
  if (!handles_->multi) throw std::runtime_error("libcurl could not create a multi handle");
  CURLM* multi = handles_->multi.get();
  const long connections = static_cast<long>(std::max<size_t>(1, options_.max_connections));
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections);
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, connections);
  // HTTP/2 over TLS when the server offers it, streams sharing connections; HTTP/1.1
  // otherwise. Chosen by measurement (tests/bench/transport_bench.cpp through nghttpx with
  // TLS in front of retainly-mock at 10 ms, on a loaded 2-core machine, one run each):
  // client CPU per request, HTTP/2 against HTTP/1.1 with as many connections as requests
  // in flight, was 62-80 us against 67-105 us at 100 in flight and 117-144 us against
  // 225-384 us at 200 in flight; throughput was capped by the proxy in both cases. h2c
  // (without TLS) could not be measured: libcurl 7.88.1 fails every reused h2c connection.
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
  multiplex_ = options_.allow_http2 && options_.base_url.rfind("https://", 0) == 0;
}

HttpTransport::~HttpTransport() {
  // Every easy handle leaves the multi handle before either is destroyed.
  for (auto& [easy, transfer] : transfers_) {
    curl_multi_remove_handle(handles_->multi.get(), transfer->easy.get());
  }
  transfers_.clear();
  idle_.clear();
}

uint64_t HttpTransport::start(const HttpRequest& request) {
  std::unique_ptr<Transfer> transfer;
  if (!idle_.empty()) {
    transfer = std::move(idle_.back());
    idle_.pop_back();
    curl_easy_reset(transfer->easy.get());
  } else {
    transfer = std::make_unique<Transfer>();
    transfer->easy.reset(curl_easy_init());
  }
  const uint64_t id = next_id_++;
  transfer->id = id;
  transfer->body.clear();
  transfer->retry_after.clear();
  transfer->error[0] = '\0';
  CURL* easy = transfer->easy.get();
  if (easy == nullptr) {
    failed_to_start_.push_back(
        {id, TransportError::kConnection, 0, {}, {}, "libcurl could not create a handle"});
    return id;
  }

  transfer->url = options_.base_url;
  transfer->url += request.path;
  curl_slist* headers = nullptr;
  std::string line;
  for (const HttpHeader& header : request.headers) {
    line = header.name;
    line += ": ";
    line += header.value;
    headers = curl_slist_append(headers, line.c_str());
  }
  // Bodies can pass curl's 1 MiB threshold for "Expect: 100-continue", which would cost a
  // round trip per large batch.
  headers = curl_slist_append(headers, "Expect:");
  transfer->headers.reset(headers);

  curl_easy_setopt(easy, CURLOPT_URL, transfer->url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
                   static_cast<long>(multiplex_ ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1));
  // Where HTTP/2 may be spoken, a new request waits for a stream on a connection being
  // opened instead of opening one more.
  if (multiplex_) curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options_.tls_verify ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options_.tls_verify ? 2L : 0L);
  if (!options_.ca_path.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_path.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers.get());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  // POSTFIELDS makes it a POST; DELETE with a body is the same request with another verb.
  if (std::string_view(request.method) != "POST") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method);
  }
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);

  CURLMcode added = curl_multi_add_handle(handles_->multi.get(), easy);
  if (added != CURLM_OK) {
    failed_to_start_.push_back(
        {id, TransportError::kConnection, 0, {}, {}, curl_multi_strerror(added)});
    idle_.push_back(std::move(transfer));
    return id;
  }
  transfers_.emplace(easy, std::move(transfer));
  return id;
}

void HttpTransport::poll(std::chrono::milliseconds timeout, std::vector<HttpResponse>& done) {
  const size_t before = done.size();
  for (HttpResponse& response : failed_to_start_) done.push_back(std::move(response));
  failed_to_start_.clear();

  CURLM* multi = handles_->multi.get();
  int running = 0;
  curl_multi_perform(multi, &running);
  collect_finished(done);
  if (done.size() != before) return;

  const int wait_ms = static_cast<int>(std::clamp<int64_t>(timeout.count(), 0, 1 << 30));
  curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
  curl_multi_perform(multi, &running);
  collect_finished(done);
}

void HttpTransport::wake() { curl_multi_wakeup(handles_->multi.get()); }

void HttpTransport::collect_finished(std::vector<HttpResponse>& done) {
  CURLM* multi = handles_->multi.get();
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    auto found = transfers_.find(message->easy_handle);
    if (found == transfers_.end()) continue;
    std::unique_ptr<Transfer> transfer = std::move(found->second);
    transfers_.erase(found);
    const CURLcode result = message->data.result;
    curl_multi_remove_handle(multi, transfer->easy.get());

    HttpResponse response;
    response.id = transfer->id;
    if (result == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(transfer->easy.get(), CURLINFO_RESPONSE_CODE, &status);
      response.status = static_cast<int>(status);
      response.body = std::move(transfer->body);
      response.retry_after = std::move(transfer->retry_after);
    } else {
      response.error = result == CURLE_OPERATION_TIMEDOUT ? TransportError::kTimeout
                                                          : TransportError::kConnection;
      response.error_message =
          transfer->error[0] != '\0' ? transfer->error : curl_easy_strerror(result);
    }
    transfer->body.clear();
    transfer->headers.reset();
    idle_.push_back(std::move(transfer));
    done.push_back(std::move(response));
  }
}

}  // namespace cdc::retainly
