// One thing `check` found wrong, and what kind of wrong (the command turns kinds into
// exit codes).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mapping/mapper.h"

namespace cdc::pipeline {

struct Problem {
  enum Kind {
    kConfig,  // a mapping or the config does not fit the source
    kSource,  // the source is not set up for change capture, or refuses us
    kAuth,    // Retainly refused the credentials
    kOther,   // anything else (Retainly unreachable, an unexpected answer)
  };
  Kind kind;
  std::string message;
};

// The columns of `req`'s table that its mapping names but the table lacks, and declared
// field types its columns' types do not convert to (`converts(declared, type)`), given the
// table's column types by name. Appends one configuration problem each.
// ASCII case folding for server variables and type names, which the server may spell
// either way.
std::string upper(std::string text);
std::string lower(std::string text);

void check_mapped_columns(
    const mapping::TableRequirements& req, const std::map<std::string, std::string>& types,
    const std::function<bool(const std::string&, const std::string&)>& converts,
    std::vector<Problem>& problems);

}  // namespace cdc::pipeline
