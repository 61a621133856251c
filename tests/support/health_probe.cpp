#include "support/health_probe.h"

#include <httplib.h>

namespace cdc::test {

HttpAnswer http_get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  auto result = client.Get(path.c_str());
  if (!result) return {};
  return {result->status, result->body};
}

double metric(int port, const std::string& sample) {
  const auto answer = http_get(port, "/metrics");
  const auto at = answer.body.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(answer.body.substr(at + sample.size() + 2));
}

}  // namespace cdc::test
