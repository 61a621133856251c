// Turns decoded binlog events into what the pipeline reads: RowChanges of the mapped
// tables and a TransactionEnd per committed transaction, with positions worked out
// from the event headers. Pure: no I/O except through the catalog callback.
//
// Transactions (MySQL and MariaDB replication docs, "Binary Log Event Groups"):
//   MySQL:   GTID  Query(BEGIN)  [TableMap Rows...]...  Xid | Query(COMMIT)
//            GTID  Query(DDL)                          (a DDL is its own transaction)
//            TransactionPayload holding Query(BEGIN) ... Xid (compressed transactions)
//   MariaDB: GTID(162)  [Annotate] [TableMap Rows...]...  Xid | Query(COMMIT)
//            GTID(162, standalone flag)  Query(DDL)
//   Without GTIDs the groups start at Query(BEGIN) or are a lone DDL Query.
//
// Positions: an event's start is header.log_pos - event_size; where log_pos is 0
// (events inside a compressed payload; MariaDB 11.4+ inside transactions) our own
// arithmetic carries the offset on from the previous event. Every change of a
// transaction carries {file, offset of the transaction's first event, GTID, i} with
// i = 1, 2, ...; its TransactionEnd carries index n + 1, so positions grow strictly and
// an event key derived from them is the same whenever the transaction is read again.
// The place to resume after a transaction (its last event's end, the GTID state
// including it) is handed out beside its TransactionEnd, for the source to store once
// the pipeline acknowledges it.
//
// Rows that may still be undone are held, not handed out (the binlog holds only
// committed transactions otherwise, so nothing else waits):
// - after a SAVEPOINT query (logged when the transaction also touched a
//   non-transactional table): a later "ROLLBACK TO sp" drops the rows written since sp
//   and is not a commit; the rest come out at the commit;
// - an XA transaction's rows, from MySQL's "XA START" query or MariaDB's GTID event with
//   FL_PREPARED_XA to XA_PREPARE_LOG_EVENT: the prepare group is a transaction of its
//   own (its GTID counts, no changes come out); the rows wait for the later group "XA
//   COMMIT xid", which hands them out with its own positions, or "XA ROLLBACK xid",
//   which drops them. MySQL's XA COMMIT ... ONE PHASE (an XA_PREPARE_LOG_EVENT with
//   one_phase) commits at once.
// Held rows live in TransactionBuffers from the injected factories, so they stay within
// the memory budget; a committed transaction's held rows come out of next_held().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "connectors/mysql/event_decoder.h"
#include "connectors/mysql/gtid_set.h"
#include "connectors/mysql/resume_point.h"
#include "connectors/mysql/row_image_decoder.h"
#include "connectors/mysql/table_shape.h"
#include "core/row_change.h"
#include "core/transaction_buffer.h"

namespace cdc::mysql {

// How GEOMETRY values are handed on: the WKB as bytes (Retainly gets base64), the WKB as
// a hex string, or not at all (the column is left alone, as if unchanged).
enum class GeometryFormat { kWkb, kWkbHex, kSkip };

struct AssembledCommit {
  TransactionEnd end;
  ResumePoint resume;
  // False for transactions that touched no mapped table: the source may hand them out
  // only now and then, to keep the stored position moving.
  bool has_changes = false;
  // The group ended by XA PREPARE: the xid whose rows now wait (prepared_rows()).
  std::optional<std::string> prepared_xa;
  // The group "XA COMMIT xid" or "XA ROLLBACK xid": the xid it resolved, and whether its
  // prepared rows were known (false: prepared before the position this stream started
  // at and not kept by the source, so they cannot be handed out).
  std::optional<std::string> resolved_xa;
  bool resolved_xa_known = true;
};

class BinlogChangeAssembler {
 public:
  // The catalog (information_schema.columns of a table) for table maps that lack
  // metadata; may throw SourceError.
  using CatalogLookup = std::function<std::vector<CatalogColumn>(const TableId&)>;
  // Called when a mapped table shows up with a new shape (ALTER TABLE); for logs.
  using ShapeChanged = std::function<void(const TableSchema&)>;
  // Makes the holder of rows that may still be undone.
  using BufferFactory = std::function<std::unique_ptr<TransactionBuffer>()>;
  // Moves a row whose storage may be reused into its argument, or leaves it alone.
  using SpareRows = std::function<void(Row&)>;

  BinlogChangeAssembler(std::vector<TableId> tables, CatalogLookup catalog,
                        ShapeChanged shape_changed = nullptr);

  // Rows written to `table` (id, value) carry re-snapshot watermarks: the transaction's
  // TransactionEnd gets the last `value` written (see kWatermarkPrefix; MySQL has no
  // logical messages, so watermarks are rows of a small table, as in DBLog).
  void set_watermark_table(TableId table) { watermark_table_ = std::move(table); }

  void set_geometry_format(GeometryFormat format) { geometry_ = format; }

  // Where rows are decoded into when the previous change took the buffer's storage: rows
  // of changes the pipeline is done with (ReaderThread::take_spare_row). Unset: new ones.
  void set_spare_rows(SpareRows spare_rows) { spare_rows_ = std::move(spare_rows); }
  // Where a change's copy of a binlog file name too long for std::string's inline buffer
  // is written: the buffer of a name the pipeline is done with
  // (ReaderThread::take_spare_text). Unset: a new one per change.
  using SpareText = std::function<void(std::string&)>;
  void set_spare_text(SpareText spare_text) { spare_text_ = std::move(spare_text); }

  // Holders for rows after a SAVEPOINT (`savepoints`) and for XA transactions (`xa`:
  // their rows may wait across restarts, so the source makes them durable). By default
  // both keep everything in memory (tests, fuzzers).
  void set_buffers(BufferFactory savepoints, BufferFactory xa);

  // A transaction prepared before this stream's start position, whose rows the source
  // kept (`count` of them, in `rows`): its XA COMMIT hands them out.
  void restore_prepared(const std::string& xid, std::unique_ptr<TransactionBuffer> rows,
                        uint32_t count);
  // The rows of prepared transaction `xid` and their count, or null.
  TransactionBuffer* prepared_rows(const std::string& xid, uint32_t* count = nullptr);

  // Called with a DDL statement that names a mapped table (by a plain text match: the
  // new shape itself arrives with the table's next table map); for logs.
  void on_ddl(std::function<void(const std::string& schema, const std::string& query)> ddl) {
    ddl_seen_ = std::move(ddl);
  }

  // Where the stream starts: the file and offset asked for, and the GTID state before it.
  // Throws SourceError when that state does not parse.
  void start_at(const ResumePoint& at, bool mariadb);

  // Takes one event (decoded by `decoder`, which also decodes the events inside a
  // transaction payload). Appends the changes it carries to `out`; returns the commit
  // when the event ended a transaction. Throws ProtocolError for undecodable rows (the
  // message names the table and position), SourceError for an INCIDENT event and for a
  // partial JSON update of a mapped table whose before image lacks the document (its
  // diffs are applied when it has it).
  std::optional<AssembledCommit> feed(const BinlogEvent& event, EventDecoder& decoder,
                                      std::vector<SourceItem>& out);

  // After feed() returned a commit: the held rows it hands out, one at a time, with their
  // positions; nullopt after the last. They go after `out` and before the commit's
  // TransactionEnd. May read a spill file (and throw its errors).
  std::optional<RowChange> next_held();

  // The file the stream is in, for status.
  const std::string& file() const { return file_; }
  uint64_t offset() const { return next_; }
  bool in_transaction() const { return in_transaction_; }

 private:
  struct Where {
    uint64_t start = 0;
    uint64_t end = 0;
  };
  std::optional<AssembledCommit> handle(const BinlogEvent& event, Where where,
                                        EventDecoder& decoder, std::vector<SourceItem>& out);
  void begin(uint64_t start, int64_t commit_time_micros);
  AssembledCommit commit(uint64_t end);
  void add_rows(const RowsEvent& rows, uint64_t start, std::vector<SourceItem>& out);
  void read_watermark(const RowsEvent& rows, const TableMap& map);
  // A partial JSON update whose before image lacks the document: its new value cannot
  // be known, and leaving the field alone would let Retainly drift. Throws SourceError
  // naming the table, column, position and the server setting to change.
  [[noreturn]] void refuse_partial_json(const TableSchema& table, uint32_t column,
                                        uint64_t start) const;
  bool names_mapped_table(std::string_view default_schema, std::string_view query) const;
  void convert_geometry(const TableMap& map, Row& row) const;
  // What a table map (the decoder's object) resolves to: completed from the catalog when
  // it lacks metadata, and its TableSchema. Worked out once per table map object; the
  // decoder keeps one object per table until the map's bytes change.
  struct KnownTable {
    std::shared_ptr<const TableMap> source;  // keeps the key's object alive
    std::shared_ptr<const TableMap> map;
    std::shared_ptr<const TableSchema> schema;
  };
  const KnownTable& known(const std::shared_ptr<const TableMap>& map);
  void handle_query(const QueryEvent& query, Where where, int64_t event_time,
                    std::optional<AssembledCommit>& result);
  void handle_xa_prepare(const XaPrepareEvent& prepare, Where where,
                         std::optional<AssembledCommit>& result);
  void savepoint(std::string_view query);
  void rollback_to_savepoint(std::string_view query, uint64_t at);
  void hold(RowChange change);
  void drop_held();
  // Makes `rows` (with `count` rows not dropped) the commit's held rows; sets its index.
  void hand_out_held(std::unique_ptr<TransactionBuffer> rows, uint32_t count);

  std::set<TableId> tables_;
  std::optional<TableId> watermark_table_;
  GeometryFormat geometry_ = GeometryFormat::kWkb;
  std::function<void(const std::string&, const std::string&)> ddl_seen_;
  CatalogLookup catalog_;
  ShapeChanged shape_changed_;
  TableShapeCache shapes_;
  // By the decoder's table map object; dropped after DDL (the catalog may have changed)
  // and at rotation (the decoder drops its maps then).
  std::map<const TableMap*, KnownTable> known_;

  bool mariadb_ = false;
  std::string file_;
  uint64_t next_ = 4;  // where the next event starts
  MariadbGtidState mariadb_state_;
  MysqlGtidSet mysql_set_;

  bool in_transaction_ = false;
  bool standalone_ = false;  // a MariaDB GTID with the standalone flag: one DDL follows
  uint64_t txn_start_ = 0;
  std::string txn_gtid_;
  std::optional<MariadbGtid> txn_mariadb_gtid_;
  std::optional<GtidEvent> txn_mysql_gtid_;
  uint32_t txn_index_ = 0;
  int64_t txn_commit_time_ = 0;
  bool txn_has_changes_ = false;
  std::string txn_watermark_;

  BufferFactory savepoint_buffers_;
  BufferFactory xa_buffers_;
  // Rows of the open transaction that may still be undone, tagged by savepoint segment.
  struct Savepoint {
    std::string name;  // lower case, without backquotes
    uint32_t tag = 0;  // rows written since the savepoint carry it
  };
  std::unique_ptr<TransactionBuffer> held_;
  std::map<uint32_t, uint32_t> held_by_tag_;  // rows per tag, not dropped
  std::vector<Savepoint> savepoints_;
  uint32_t tag_ = 0;
  std::optional<std::string> txn_xa_;  // between XA START and XA_PREPARE_LOG_EVENT
  struct Prepared {
    std::unique_ptr<TransactionBuffer> rows;
    uint32_t count = 0;
  };
  std::map<std::string, Prepared> prepared_;
  // A commit's held rows being handed out, and the position the next one gets.
  std::unique_ptr<TransactionBuffer> ready_;
  BinlogPosition ready_position_;
  int64_t ready_commit_time_ = 0;

  RowImages images_;  // the reader's buffer; its rows move into each RowChange
  SpareRows spare_rows_;
  SpareText spare_text_;
  // A change's position, its file name written into a spare buffer when it needs one.
  BinlogPosition copy_position(const std::string& file, uint64_t offset, const std::string& gtid,
                               uint32_t index);
};

}  // namespace cdc::mysql
