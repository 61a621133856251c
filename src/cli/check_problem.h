// One thing `check` found wrong, with the exit code it maps to (cli/exit_code.h).
#pragma once

#include <string>

namespace cdc::cli {

struct Problem {
  int exit_code;
  std::string message;
};

}  // namespace cdc::cli
