// The provenance positions of the calls mapped from a stream of changes: the text of each
// transaction's position formatted once, shared by the calls of its changes.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/position.h"
#include "retainly/call.h"

namespace cdc::mapping {

class PositionTexts {
 public:
  retainly::PositionText of(const Position& position) {
    if (!last_ || !same_prefix(*last_, position)) {
      prefix_ = std::make_shared<const std::string>(position_prefix(position));
      last_ = position;
    }
    return retainly::PositionText(prefix_, position_index(position));
  }

 private:
  std::optional<Position> last_;  // the position prefix_ was made from
  std::shared_ptr<const std::string> prefix_;
};

}  // namespace cdc::mapping
