// GETs against a running daemon's `metrics:` address: /metrics, /healthz, /readyz.
#pragma once

#include <string>

namespace cdc::test {

struct HttpAnswer {
  int status = 0;  // 0: no answer
  std::string body;
};

HttpAnswer http_get(int port, const std::string& path);

// The value of the sample `sample` ("name" or "name{labels}", exactly as the metrics
// text writes it) in /metrics, or -1 when it is not there.
double metric(int port, const std::string& sample);

}  // namespace cdc::test
