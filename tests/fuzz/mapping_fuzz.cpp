// libFuzzer target for the mapping file loader: the first input byte picks the mapping
// defaults (bit 0 string_policy, bit 1 decimal_as_string, bits 2-3 the time zone), the
// rest is the text of a mapping file. The only acceptable outcome besides a loaded
// mapping is a cdc::ConfigError whose message starts with the file name; any other
// exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/errors.h"
#include "mapping/mapping_loader.h"

namespace {

constexpr std::string_view kFileName = "fuzz.yaml";
constexpr const char* kZones[] = {"UTC", "+02:00", "Europe/Berlin", "America/New_York"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  cdc::mapping::MappingOptions options;
  options.string_policy = (data[0] & 1) != 0 ? cdc::mapping::StringPolicy::kDeadLetter
                                             : cdc::mapping::StringPolicy::kTruncate;
  options.decimal_as_string = (data[0] & 2) != 0;
  options.timezone = kZones[(data[0] >> 2) & 3];
  const std::string_view yaml(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    cdc::mapping::parse_mapping(yaml, kFileName, options);
  } catch (const cdc::ConfigError& e) {
    if (!std::string_view(e.what()).starts_with(kFileName)) std::abort();
  }
  return 0;
}
