// Writes the Prometheus text exposition format (version 0.0.4): families with HELP and
// TYPE lines, samples with escaped label values, histograms with cumulative buckets.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace cdc::ops {

using Label = std::pair<std::string_view, std::string_view>;

class PrometheusText {
 public:
  // Starts a family; its samples must follow before the next family.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }
  // A histogram's samples from per-bucket counts: counts[i] holds the observations in
  // (bounds[i-1], bounds[i]], counts[bounds.size()] those above every bound.
  void histogram(std::string_view name, std::initializer_list<Label> labels,
                 std::span<const double> bounds, std::span<const uint64_t> counts, double sum,
                 uint64_t count);

  const std::string& text() const { return text_; }

 private:
  void write_sample(std::string_view name, std::string_view suffix,
                    std::initializer_list<Label> labels, const Label* extra, double value);

  std::string text_;
};

}  // namespace cdc::ops
