// The retainly-mock command line contract (PRODUCT.md): flags, the one "listening on"
// line scripts read the port from, and a clean exit on SIGTERM and SIGINT.
#include <httplib.h>
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

namespace {

// The built binary, started with `args`, its stdout on a pipe.
class MockProcess {
 public:
  explicit MockProcess(std::vector<std::string> args) {
    args.insert(args.begin(), CDC_RETAINLY_MOCK_BINARY);
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

  ~MockProcess() {
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

int port_from(const std::string& line) {
  std::smatch match;
  REQUIRE(std::regex_match(line, match, std::regex(R"(listening on 127\.0\.0\.1:(\d+))")));
  return std::stoi(match[1].str());
}

}  // namespace

TEST_CASE("retainly-mock binary: prints the port it listens on, serves, exits 0 on SIGTERM") {
  MockProcess mock({"--listen", "127.0.0.1:0", "--key", "K", "--secret", "S", "--seed", "1",
                    "--threads", "4", "--latency-ms", "1"});
  int port = port_from(mock.read_line());
  CHECK(port > 0);

  httplib::Client client("127.0.0.1", port);
  auto result = client.Post("/customers", {{"key", "K"}, {"secret", "S"}},
                            R"({"customers": [{"id": 1}]})", "application/json");
  REQUIRE(result);
  CHECK(result->status == 200);

  mock.signal(SIGTERM);
  CHECK(mock.wait_exit() == 0);
}

TEST_CASE("retainly-mock binary: --count-only counts records it neither validates nor stores") {
  MockProcess mock({"--listen", "127.0.0.1:0", "--key", "K", "--secret", "S", "--count-only",
                    "--latency-ms", "1", "--rate-limit", "1000"});
  httplib::Client client("127.0.0.1", port_from(mock.read_line()));
  auto result = client.Post("/customers", {{"key", "K"}, {"secret", "S"}},
                            R"({"customers": [{"id": 1}, {"no": "id"}]})", "application/json");
  REQUIRE(result);
  CHECK(result->status == 200);
  auto stats = client.Get("/_stats");
  REQUIRE(stats);
  CHECK(stats->body.find(R"("records_applied":{"POST /customers":2})") != std::string::npos);
  auto state = client.Get("/_state");
  REQUIRE(state);
  CHECK(state->body.find(R"("customers":{})") != std::string::npos);

  mock.signal(SIGTERM);
  CHECK(mock.wait_exit() == 0);
}

TEST_CASE("retainly-mock binary: SIGINT with an idle keep-alive connection also exits 0") {
  MockProcess mock({"--listen", "127.0.0.1:0", "--key", "K", "--secret", "S"});
  int port = port_from(mock.read_line());
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  REQUIRE(client.Get("/_state"));
  mock.signal(SIGINT);
  CHECK(mock.wait_exit() == 0);
  CHECK(mock.read_line().empty());  // nothing but the one line on stdout
}

TEST_CASE("retainly-mock binary: flags are checked") {
  MockProcess missing_secret({"--listen", "127.0.0.1:0", "--key", "K"});
  CHECK(missing_secret.read_line().empty());
  CHECK(missing_secret.wait_exit() != 0);

  MockProcess bad_rate({"--key", "K", "--secret", "S", "--fail-rate", "2"});
  CHECK(bad_rate.wait_exit() != 0);

  MockProcess bad_listen({"--listen", "nowhere", "--key", "K", "--secret", "S"});
  CHECK(bad_listen.wait_exit() == 2);
}
