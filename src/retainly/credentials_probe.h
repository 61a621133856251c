// Whether Retainly accepts a key and secret, asked without changing anything: POST
// /customers with an empty list answers 422 when the credentials are good and 403 when
// they are not (PRODUCT.md, settled ambiguities of the API text).
#pragma once

#include <string>

namespace cdc::retainly {

struct CredentialsProbe {
  std::string url;  // the API's base URL
  std::string key_header;
  std::string key;
  std::string secret_header;
  std::string secret;
  bool tls_verify = true;
  std::string ca_path;  // empty: the system CAs
};

struct CredentialsVerdict {
  enum Outcome {
    kAccepted,
    kRefused,      // 401 or 403
    kUnreachable,  // no HTTP answer at all
    kUnexpected,   // an answer the probe does not explain
  };
  Outcome outcome = kAccepted;
  // For people: what happened. Never holds the key or the secret.
  std::string message;
};

// Blocks for at most 15 s.
CredentialsVerdict probe_credentials(const CredentialsProbe& probe);

}  // namespace cdc::retainly
