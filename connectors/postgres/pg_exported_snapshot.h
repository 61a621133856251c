// A new replication slot together with the snapshot of the moment it became consistent,
// for the initial snapshot (PostgreSQL docs, "Exported Snapshots" and
// CREATE_REPLICATION_SLOT ... (SNAPSHOT 'export')): every row a transaction importing the
// snapshot sees committed before the slot's consistent point, and every change after it
// streams from the slot, so reading the tables in the snapshot and then streaming loses
// nothing and repeats nothing.
#pragma once

#include <string>

#include "connectors/postgres/pg_connection.h"
#include "core/position.h"

namespace cdc::pg {

class ExportedSnapshot {
 public:
  // Creates pgoutput slot `slot` on a replication connection of its own. Throws
  // SourceError (the slot exists already, the server refuses).
  ExportedSnapshot(const std::string& dsn, const std::string& slot);

  // What `SET TRANSACTION SNAPSHOT` takes. Valid while this object lives: the snapshot
  // ends with the connection that exported it.
  const std::string& name() const { return name_; }
  PgLsn consistent_point() const { return consistent_point_; }

 private:
  PgConnection conn_;
  std::string name_;
  PgLsn consistent_point_;
};

}  // namespace cdc::pg
