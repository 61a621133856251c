#include "retainly/credentials_probe.h"

#include <curl/curl.h>

#include <memory>

namespace cdc::retainly {
namespace {

size_t discard_body(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

}  // namespace

CredentialsVerdict probe_credentials(const CredentialsProbe& sink) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return {CredentialsVerdict::kUnexpected, "cannot initialise libcurl"};
  const std::string url = sink.url + "/customers";
  const std::string key = sink.key_header + ": " + sink.key;
  const std::string secret = sink.secret_header + ": " + sink.secret;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, key.c_str());
  headers = curl_slist_append(headers, secret.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, "{\"customers\":[]}");
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 15000L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYPEER, sink.tls_verify ? 1L : 0L);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYHOST, sink.tls_verify ? 2L : 0L);
  if (!sink.ca_path.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, sink.ca_path.c_str());
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    return {CredentialsVerdict::kUnreachable,
            "Retainly at " + sink.url + " is unreachable: " + curl_easy_strerror(rc)};
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status == 401 || status == 403) {
    return {CredentialsVerdict::kRefused, "Retainly refused the credentials (HTTP " +
                                              std::to_string(status) +
                                              "): check sink.key and sink.secret"};
  }
  if (status != 422 && (status < 200 || status >= 300)) {
    return {CredentialsVerdict::kUnexpected, "Retainly answered HTTP " + std::to_string(status) +
                                                 " to a credentials probe; expected 422"};
  }
  return {};
}

}  // namespace cdc::retainly
