// libFuzzer target for the connector config loader: the input is the text of a
// connector.yaml. The only acceptable outcome besides a loaded config is a
// cdc::ConfigError whose message starts with the file name (and names line, column and
// key where the text has them); any other exception, crash or sanitizer report is a bug.
//
// Every ${VAR} expands (VAR names starting with UNSET stay unset), and *_file and
// ca_path read from a scratch folder: inputs whose such keys name an absolute path or
// leave the folder are skipped, so the fuzzer never opens /dev/zero or a FIFO.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "config/connector_config.h"
#include "core/errors.h"

namespace {

constexpr std::string_view kFileName = "fuzz.yaml";

std::optional<std::string> fuzz_env(const std::string& name) {
  if (name.starts_with("UNSET")) return std::nullopt;
  if (name.find("URL") != std::string::npos) return "http://127.0.0.1:8080";
  if (name.find("DSN") != std::string::npos) return "host=127.0.0.1 dbname=app password=pw";
  return "fuzz-value";
}

// A folder with a secret file and a CA file in it, removed when the fuzzer exits.
const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::string name = (std::filesystem::temp_directory_path() / "cdc-config-fuzz.XXXXXX");
    if (mkdtemp(name.data()) == nullptr) std::abort();
    std::ofstream(std::filesystem::path(name) / "secret") << "s3cret\n";
    std::ofstream(std::filesystem::path(name) / "ca.pem") << "not a certificate\n";
    return std::filesystem::path(name);
  }();
  static const struct Remover {
    ~Remover() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } remover;
  return dir;
}

bool names_a_file(const std::string& key) {
  return key == "dsn_file" || key == "key_file" || key == "secret_file" || key == "password_file" ||
         key == "ca_path";
}

// False when a file-naming key anywhere in the document could reach outside the scratch
// folder.
bool stays_in_scratch_dir(const YAML::Node& node) {
  if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!stays_in_scratch_dir(item)) return false;
    }
  } else if (node.IsMap()) {
    for (const auto& entry : node) {
      if (entry.first.IsScalar() && names_a_file(entry.first.Scalar())) {
        if (!entry.second.IsScalar()) continue;
        const std::string& path = entry.second.Scalar();
        if (path.starts_with('/') || path.find("..") != std::string::npos) return false;
      }
      if (!stays_in_scratch_dir(entry.first) || !stays_in_scratch_dir(entry.second)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  try {
    if (!stays_in_scratch_dir(YAML::Load(yaml))) return 0;
  } catch (const YAML::Exception&) {
    // Not YAML: the loader must say so with a position; it reads no file.
  }
  try {
    cdc::config::parse_connector_config(yaml, std::string(kFileName), scratch_dir(), fuzz_env);
  } catch (const cdc::ConfigError& e) {
    if (!std::string_view(e.what()).starts_with(kFileName)) std::abort();
  }
  return 0;
}
