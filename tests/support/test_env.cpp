#include "support/test_env.h"

#include <doctest/doctest.h>

#include <cstdlib>

namespace cdc::test {

std::string test_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    FAIL(std::string(name) << " is not set. Integration tests run against the servers scripts/test "
                              "starts: run them with `scripts/test --quick -- -R <test>` or "
                              "`scripts/with-servers ctest --test-dir <build> -R <test>`.");
  }
  return value;
}

std::string mock_binary() {
#ifdef CDC_MOCK_BIN
  return CDC_MOCK_BIN;
#else
  FAIL("retainly-mock is not part of this build (no target at configure time)");
  return {};
#endif
}

std::string cli_binary() {
#ifdef CDC_CLI_BIN
  return CDC_CLI_BIN;
#else
  FAIL("retainly-cdc is not part of this build (no target at configure time)");
  return {};
#endif
}

}  // namespace cdc::test
