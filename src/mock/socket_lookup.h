// Reaching retainly-mock's own sockets, which cpp-httplib does not expose. Three features
// need them: dropping one connection without any answer (--drop-rate); stopping without
// waiting for idle keep-alive connections to time out; and widening the listen backlog,
// which the packaged cpp-httplib fixes at 5 (a burst of connects beyond it waits a second
// for a SYN retransmission).
//
// Linux only: walks /proc/self/fd and asks each socket for its addresses. Meant for rare
// events (a drop, start, stop), not for every request.
#pragma once

#include <string>

namespace cdc::mock {

// Shuts down both directions of the open TCP connection whose local port is `local_port`
// and whose peer is `peer_address`:`peer_port` (numeric, as cpp-httplib's
// Request::remote_addr/remote_port give them). Its owner still closes the descriptor; the
// peer sees the connection end with no answer. Returns false if no such socket is open.
bool shutdown_connection(int local_port, const std::string& peer_address, int peer_port);

// Shuts down the reading side of every accepted connection on `local_port`, so that
// connections idling in keep-alive end at once while a request being served still gets
// its answer. Used when stopping. Returns the number of connections shut.
int shutdown_reading(int local_port);

// Calls listen() again, with `backlog`, on the listening socket bound to `local_port`;
// Linux takes it as the new backlog. Returns false if no such socket is found.
bool widen_listen_backlog(int local_port, int backlog);

}  // namespace cdc::mock
