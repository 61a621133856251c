// Access to what scripts/test sets up for integration tests: server coordinates in
// CDC_TEST_* environment variables and the paths of the binaries under test.
#pragma once

#include <string>

namespace cdc::test {

// The value of the environment variable `name`. Fails the running doctest test case,
// naming the variable and how to get it set, when it is missing or empty. Call it only
// inside a test case.
std::string test_env(const char* name);

// Paths of the built retainly-mock and retainly-cdc (compile definitions CDC_MOCK_BIN and
// CDC_CLI_BIN). Fail the test case when the target did not exist at configure time.
std::string mock_binary();
std::string cli_binary();

}  // namespace cdc::test
