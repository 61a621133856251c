#include "support/child_process.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <system_error>
#include <thread>

#include "support/temp_dir.h"

extern char** environ;

namespace cdc::test {
namespace {

std::string read_from(const std::filesystem::path& path, std::size_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t file_size_or_zero(const std::filesystem::path& path) {
  std::error_code error;
  auto size = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<std::size_t>(size);
}

std::string tail(const std::string& text, std::size_t bytes) {
  if (text.size() <= bytes) return text;
  return "..." + text.substr(text.size() - bytes);
}

std::string variable_name(const char* entry) {
  const char* equals = std::strchr(entry, '=');
  return equals == nullptr ? std::string(entry) : std::string(entry, equals);
}

// The inherited environment minus what the options unset or replace, plus what they set.
std::vector<std::string> child_environment(const ChildOptions& options) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string name = variable_name(*entry);
    bool dropped = false;
    for (const auto& unset : options.unset_env) dropped = dropped || unset == name;
    for (const auto& [set, value] : options.env) dropped = dropped || set == name;
    if (!dropped) result.emplace_back(*entry);
  }
  for (const auto& [name, value] : options.env) result.push_back(name + "=" + value);
  return result;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (auto& text : strings) result.push_back(text.data());
  result.push_back(nullptr);
  return result;
}

// Searches the complete lines of `text` (which starts at byte `base` of its stream), and
// the unterminated last one when `include_partial`.
std::optional<LineMatch> search_lines(const std::string& text, std::size_t base,
                                      const std::regex& pattern, bool include_partial) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    bool complete = end != std::string::npos;
    if (!complete && !include_partial) break;
    if (!complete) end = text.size();
    std::string line = text.substr(start, end - start);
    std::smatch match;
    if (std::regex_search(line, match, pattern)) {
      LineMatch found;
      for (const auto& group : match) found.groups.push_back(group.str());
      found.line = std::move(line);
      found.after.stdout_bytes = base + end + (complete ? 1 : 0);
      return found;
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

ChildProcess::ChildProcess(std::string binary, std::vector<std::string> args,
                           ChildOptions options) {
  std::filesystem::path dir;
  if (const char* kept = std::getenv("CDC_TEST_OUTPUT_DIR"); kept != nullptr && *kept != '\0') {
    dir = kept;
    std::filesystem::create_directories(dir);
  } else {
    own_dir_ = make_temp_dir("child");
    dir = own_dir_;
  }
  // Unique within the test process and across the test processes ctest runs at once.
  static std::atomic<int> counter{0};
  std::string stem = std::filesystem::path(binary).filename().string() + "." +
                     std::to_string(getpid()) + "." + std::to_string(++counter);
  stdout_path_ = dir / (stem + ".stdout");
  stderr_path_ = dir / (stem + ".stderr");

  command_line_ = binary;
  for (const auto& arg : args) command_line_ += " " + arg;

  std::vector<std::string> argv_strings;
  argv_strings.push_back(binary);
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = child_environment(options);
  std::vector<char*> argv = c_strings(argv_strings);
  std::vector<char*> envp = c_strings(env_strings);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!options.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
  }
  int error = posix_spawnp(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    pid_ = -1;
    if (!own_dir_.empty()) std::filesystem::remove_all(own_dir_);
    throw std::system_error(error, std::generic_category(), "spawning " + command_line_);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_code_) {
    kill(pid_, SIGKILL);
    reap(true);
  }
  if (!own_dir_.empty()) {
    std::error_code ignored;  // nothing to report to from a destructor
    std::filesystem::remove_all(own_dir_, ignored);
  }
}

void ChildProcess::reap(bool block) {
  if (exit_code_ || pid_ <= 0) return;
  int status = 0;
  pid_t result;
  do {
    result = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result != pid_) return;
  if (WIFEXITED(status)) {
    exit_code_ = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit_code_ = 128 + WTERMSIG(status);
  }
}

bool ChildProcess::running() {
  reap(false);
  return !exit_code_;
}

void ChildProcess::signal(int signal_number) {
  // Once reaped, the pid may belong to some other process by now.
  if (running()) kill(pid_, signal_number);
}

int ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      FAIL("timed out after " << timeout.count() << " ms waiting for the exit of " << describe());
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return *exit_code_;
}

OutputMark ChildProcess::mark() const {
  return {file_size_or_zero(stdout_path_), file_size_or_zero(stderr_path_)};
}

std::optional<LineMatch> ChildProcess::find_line(const std::string& pattern, OutputMark since) {
  // Decided before reading, so a line written just before the exit is read whole.
  const bool exited = !running();
  const std::regex regex(pattern);
  if (auto found = search_lines(read_from(stdout_path_, since.stdout_bytes), since.stdout_bytes,
                                regex, exited)) {
    found->after.stderr_bytes = since.stderr_bytes;
    return found;
  }
  if (auto found = search_lines(read_from(stderr_path_, since.stderr_bytes), since.stderr_bytes,
                                regex, exited)) {
    found->after.stderr_bytes = found->after.stdout_bytes;
    found->after.stdout_bytes = since.stdout_bytes;
    return found;
  }
  return std::nullopt;
}

LineMatch ChildProcess::wait_for_line(const std::string& pattern, std::chrono::milliseconds timeout,
                                      OutputMark since) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    const bool was_running = running();
    if (auto found = find_line(pattern, since)) return *found;
    if (!was_running) {
      FAIL("exited without printing a line matching /" << pattern << "/: " << describe());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      FAIL("timed out after " << timeout.count() << " ms waiting for a line matching /" << pattern
                              << "/ from " << describe());
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

std::string ChildProcess::stdout_text() const { return read_from(stdout_path_, 0); }

std::string ChildProcess::stderr_text() const { return read_from(stderr_path_, 0); }

std::string ChildProcess::describe() {
  std::ostringstream text;
  text << "`" << command_line_ << "` (pid " << pid_ << ", ";
  if (running()) {
    text << "running";
  } else {
    text << "exited with " << *exit_code_;
  }
  text << ")\n--- stdout (" << stdout_path_.string() << "):\n"
       << tail(stdout_text(), 2000) << "\n--- stderr (" << stderr_path_.string() << "):\n"
       << tail(stderr_text(), 4000);
  return text.str();
}

}  // namespace cdc::test
