#include "mock/socket_lookup.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <filesystem>
#include <functional>
#include <optional>
#include <system_error>

namespace cdc::mock {
namespace {

struct SocketAddress {
  std::string address;
  int port = 0;
};

using Getter = int (*)(int, sockaddr*, socklen_t*);

std::optional<SocketAddress> endpoint_of(int fd, Getter getter) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  // The sockets API is defined on sockaddr*; sockaddr_storage is made to be cast so.
  auto* address = reinterpret_cast<sockaddr*>(&storage);
  if (getter(fd, address, &length) != 0) return std::nullopt;
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    return SocketAddress{text, ntohs(v4->sin_port)};
  }
  if (storage.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    return SocketAddress{text, ntohs(v6->sin6_port)};
  }
  return std::nullopt;
}

// Calls `visit` with each open descriptor of this process until it returns true.
bool find_descriptor(const std::function<bool(int)>& visit) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    const std::string name = entry.path().filename().string();
    int fd = -1;
    auto [end, parse_error] = std::from_chars(name.data(), name.data() + name.size(), fd);
    if (parse_error != std::errc() || end != name.data() + name.size()) continue;
    if (visit(fd)) return true;
  }
  return false;
}

bool is_listening(int fd) {
  int accepting = 0;
  socklen_t length = sizeof(accepting);
  return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting != 0;
}

}  // namespace

bool shutdown_connection(int local_port, const std::string& peer_address, int peer_port) {
  return find_descriptor([&](int fd) {
    auto local = endpoint_of(fd, getsockname);
    if (!local || local->port != local_port) return false;
    auto peer = endpoint_of(fd, getpeername);
    if (!peer || peer->port != peer_port || peer->address != peer_address) return false;
    return shutdown(fd, SHUT_RDWR) == 0;
  });
}

int shutdown_reading(int local_port) {
  int count = 0;
  find_descriptor([&](int fd) {
    auto local = endpoint_of(fd, getsockname);
    if (!local || local->port != local_port || !endpoint_of(fd, getpeername)) return false;
    if (shutdown(fd, SHUT_RD) == 0) ++count;
    return false;
  });
  return count;
}

bool widen_listen_backlog(int local_port, int backlog) {
  return find_descriptor([&](int fd) {
    auto local = endpoint_of(fd, getsockname);
    if (!local || local->port != local_port || !is_listening(fd)) return false;
    return listen(fd, backlog) == 0;
  });
}

}  // namespace cdc::mock
