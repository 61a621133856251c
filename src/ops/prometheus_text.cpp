#include "ops/prometheus_text.h"

#include <fmt/format.h>

#include <cmath>

namespace cdc::ops {
namespace {

void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    out += fmt::format("{}", static_cast<int64_t>(value));
  } else {
    out += fmt::format("{}", value);
  }
}

}  // namespace

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void PrometheusText::sample(std::string_view name, std::initializer_list<Label> labels,
                            double value) {
  write_sample(name, "", labels, nullptr, value);
}

void PrometheusText::histogram(std::string_view name, std::initializer_list<Label> labels,
                               std::span<const double> bounds, std::span<const uint64_t> counts,
                               double sum, uint64_t count) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds.size(); ++i) {
    cumulative += i < counts.size() ? counts[i] : 0;
    std::string bound;
    append_number(bound, bounds[i]);
    const Label le{"le", bound};
    write_sample(name, "_bucket", labels, &le, static_cast<double>(cumulative));
  }
  const Label inf{"le", "+Inf"};
  write_sample(name, "_bucket", labels, &inf, static_cast<double>(count));
  write_sample(name, "_sum", labels, nullptr, sum);
  write_sample(name, "_count", labels, nullptr, static_cast<double>(count));
}

void PrometheusText::write_sample(std::string_view name, std::string_view suffix,
                                  std::initializer_list<Label> labels, const Label* extra,
                                  double value) {
  text_ += name;
  text_ += suffix;
  if (labels.size() > 0 || extra != nullptr) {
    text_ += '{';
    bool first = true;
    auto add = [&](const Label& label) {
      if (!first) text_ += ',';
      first = false;
      text_ += label.first;
      text_ += "=\"";
      append_label_value(text_, label.second);
      text_ += '"';
    };
    for (const auto& label : labels) add(label);
    if (extra != nullptr) add(*extra);
    text_ += '}';
  }
  text_ += ' ';
  append_number(text_, value);
  text_ += '\n';
}

}  // namespace cdc::ops
