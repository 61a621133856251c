// High availability without new infrastructure: instances that share a config take a
// lock in the source database itself, and only the holder streams. PostgreSQL: an
// advisory lock on a dedicated connection; the server releases it when that connection
// ends, so a dead holder's lock passes to a standby within seconds. The pipeline holds it
// as a lease (pipeline/lock_lease.h), so that an old holder stops sending first.
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
  // True while the session that took the lock is alive and holds it. Never takes the lock
  // (again) and never reconnects: a lock lost for a moment is lost, since another
  // instance may have held it meanwhile. Any failure to check is false; never throws.
  // Called from one thread at a time, never together with try_acquire().
  virtual bool confirm() = 0;
  // What the lock is, for logs: "PostgreSQL advisory lock 'retainly_cdc:slot_a'".
  virtual std::string describe() const = 0;
};

}  // namespace cdc
