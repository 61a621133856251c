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
      prefix_ = position_prefix(position);
      shared_ = prefix_.size() > retainly::PositionText::kInlineBytes
                    ? std::make_shared<const std::string>(prefix_)
                    : nullptr;
      last_ = position;
    }
    return retainly::PositionText(prefix_, shared_, position_index(position));
  }

 private:
  std::optional<Position> last_;  // the position prefix_ was made from
  std::string prefix_;
  std::shared_ptr<const std::string> shared_;  // prefix_, when too long to copy into calls
};

}  // namespace cdc::mapping
