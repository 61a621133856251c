// The built retainly-mock binary as a child process, for HTTP tests of the sink.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace cdc::sink::testing {

// Started with `--listen 127.0.0.1:0` plus `args`; killed when destroyed.
class MockProcess {
 public:
  explicit MockProcess(std::vector<std::string> args) {
    args.insert(args.begin(), {CDC_RETAINLY_MOCK_BINARY, "--listen", "127.0.0.1:0"});
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (spawned != 0) {
      close(pipe_fds[0]);
      throw std::runtime_error("cannot start retainly-mock");
    }
    FILE* out = fdopen(pipe_fds[0], "r");
    std::string line;
    for (int c = fgetc(out); c != EOF && c != '\n'; c = fgetc(out)) line += static_cast<char>(c);
    fclose(out);
    std::smatch match;
    if (!std::regex_match(line, match, std::regex(R"(listening on 127\.0\.0\.1:(\d+))"))) {
      throw std::runtime_error("retainly-mock said: " + line);
    }
    port_ = std::stoi(match[1].str());
  }

  ~MockProcess() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

  MockProcess(const MockProcess&) = delete;
  MockProcess& operator=(const MockProcess&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace cdc::sink::testing
