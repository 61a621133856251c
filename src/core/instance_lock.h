// High availability without new infrastructure: instances that share a config take a
// lock in the source database itself, and only the holder streams. PostgreSQL: an
// advisory lock on a dedicated connection; the server releases it when that connection
// ends, so a dead holder's lock passes to a standby within seconds.
#pragma once

#include <string>

namespace cdc {

class InstanceLock {
 public:
  virtual ~InstanceLock() = default;
  // Takes the lock if it is free, or confirms that this instance still holds it
  // (reconnecting first when its connection was lost, which also lost the lock).
  // Returns false while another instance holds it. Throws SourceDisconnected when the
  // source cannot be reached.
  virtual bool try_acquire() = 0;
  // What the lock is, for logs: "PostgreSQL advisory lock 'retainly_cdc:slot_a'".
  virtual std::string describe() const = 0;
};

}  // namespace cdc
