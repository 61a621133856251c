// Process exit codes (PRODUCT.md "Commands") and the mapping from error kinds to them.
#pragma once

#include <exception>

namespace cdc::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,
  kExitConfig = 2,
  kExitAuth = 3,
  kExitSource = 4,
};

// Logs the exception in flight (redacted) and returns its exit code. Call from a catch
// block.
int report_current_exception(const char* command);

}  // namespace cdc::cli
