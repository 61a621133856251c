// A binary under test run as a child process: its output goes to files a test can search
// line by line while it runs, it can be signalled, and its exit code collected.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cdc::test {

struct ChildOptions {
  // Set in the child on top of the environment the test inherited (replacing a variable of
  // the same name).
  std::vector<std::pair<std::string, std::string>> env;
  // Removed from the inherited environment.
  std::vector<std::string> unset_env;
  // The child's working directory; empty keeps the test's.
  std::filesystem::path working_dir;
};

// How much output there was at some moment; wait_for_line(..., since) looks only past it.
struct OutputMark {
  std::size_t stdout_bytes = 0;
  std::size_t stderr_bytes = 0;
};

struct LineMatch {
  std::string line;
  // The regex's match: [0] the matched text, then the capture groups.
  std::vector<std::string> groups;
  // Just past this line (and, in the other stream, where the search started).
  OutputMark after;
};

// Owns one child process. Not copyable or movable: hold it in a std::optional or
// std::unique_ptr to start it late. The destructor SIGKILLs a child still running and
// reaps it. All member functions are for the thread that owns the object.
//
// Output files live in $CDC_TEST_OUTPUT_DIR when set (scripts/test sets it and keeps them
// for post-mortems), else in a temp dir removed by the destructor.
class ChildProcess {
 public:
  // Starts `binary` (a path, or a name looked up in PATH) with `args`, stdin from
  // /dev/null. Throws std::system_error when it cannot be spawned.
  ChildProcess(std::string binary, std::vector<std::string> args, ChildOptions options = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Whether the child still runs; reaps it (and records its exit code) if it has ended.
  bool running();
  // Sends `signal_number` unless the child has already been reaped.
  void signal(int signal_number);
  // Waits for the exit and returns the exit code, or 128 + the number of the signal that
  // ended it (as shells report it). Fails the test case when `timeout` passes first.
  int wait_exit(std::chrono::milliseconds timeout);

  // Waits until a complete line of stdout or stderr (the last, unterminated line too once
  // the child has exited) written after `since` contains a match for the ECMAScript
  // `pattern`. Fails the test case, showing the output, on timeout or when the child
  // exits without such a line.
  LineMatch wait_for_line(const std::string& pattern, std::chrono::milliseconds timeout,
                          OutputMark since = {});
  // The same search, once, without waiting.
  std::optional<LineMatch> find_line(const std::string& pattern, OutputMark since = {});
  // How much output there is now: pass it to wait_for_line to see only later lines.
  OutputMark mark() const;

  std::string stdout_text() const;
  std::string stderr_text() const;
  const std::filesystem::path& stdout_path() const { return stdout_path_; }
  const std::filesystem::path& stderr_path() const { return stderr_path_; }
  // The command line, its state and the last lines of its output, for failure messages.
  std::string describe();

 private:
  void reap(bool block);

  std::string command_line_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path own_dir_;  // removed by the destructor; empty when outputs are kept
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
};

}  // namespace cdc::test
