#include "pipeline/check_problem.h"

#include <algorithm>
#include <cctype>

namespace cdc::pipeline {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void check_mapped_columns(
    const mapping::TableRequirements& req, const std::map<std::string, std::string>& types,
    const std::function<bool(const std::string&, const std::string&)>& converts,
    std::vector<Problem>& problems) {
  const std::string table = req.table.qualified();
  for (const auto& column : req.columns) {
    if (!types.contains(column)) {
      problems.push_back({Problem::kConfig, "table " + table + " has no column \"" + column +
                                                "\" (named by its mapping)"});
    }
  }
  for (const auto& [column, declared] : req.declared_types) {
    auto it = types.find(column);
    if (it != types.end() && !converts(declared, it->second)) {
      problems.push_back({Problem::kConfig, "column " + table + "." + column + " has type " +
                                                it->second + ", which does not convert to " +
                                                declared});
    }
  }
}

}  // namespace cdc::pipeline
