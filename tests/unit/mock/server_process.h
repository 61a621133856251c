// A server binary under test (retainly-mock, cdc_bench_sink) run as a child process, its
// stdout on a pipe: the "listening on" line scripts read the port from.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

extern char** environ;

namespace cdc::test {

// `binary` started with `args`, its stdout on a pipe.
class ServerProcess {
 public:
  ServerProcess(const char* binary, std::vector<std::string> args) {
    args.insert(args.begin(), binary);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    REQUIRE(spawned == 0);
    stdout_ = fdopen(pipe_fds[0], "r");
    REQUIRE(stdout_ != nullptr);
  }

  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ != nullptr) fclose(stdout_);
  }

  // The next stdout line without its newline; empty at end of output.
  std::string read_line() {
    std::string line;
    for (int c = fgetc(stdout_); c != EOF && c != '\n'; c = fgetc(stdout_)) {
      line += static_cast<char>(c);
    }
    return line;
  }

  // Blocks until the process ends; its exit status, or 128 + signal if killed.
  int wait_exit() {
    int status = 0;
    REQUIRE(waitpid(pid_, &status, 0) == pid_);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  void signal(int number) { kill(pid_, number); }

 private:
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
};

// The port of a "listening on 127.0.0.1:PORT" line.
inline int port_from(const std::string& line) {
  std::smatch match;
  REQUIRE(std::regex_match(line, match, std::regex(R"(listening on 127\.0\.0\.1:(\d+))")));
  return std::stoi(match[1].str());
}

}  // namespace cdc::test
