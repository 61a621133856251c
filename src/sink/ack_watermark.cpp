#include "sink/ack_watermark.h"

#include <stdexcept>
#include <string>

namespace cdc::sink {

void AckWatermark::add(uint64_t sequence) {
  if (sequence != last_added() + 1) {
    throw std::invalid_argument("call sequence " + std::to_string(sequence) + " does not follow " +
                                std::to_string(last_added()));
  }
  settled_.push_back(false);
  ++unsettled_;
}

void AckWatermark::settle(uint64_t sequence) {
  if (sequence <= watermark_ || sequence > last_added()) return;
  bool& slot = settled_[sequence - watermark_ - 1];
  if (slot) return;
  slot = true;
  --unsettled_;
  while (!settled_.empty() && settled_.front()) {
    settled_.pop_front();
    ++watermark_;
  }
}

}  // namespace cdc::sink
