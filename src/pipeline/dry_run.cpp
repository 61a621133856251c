#include "pipeline/dry_run.h"

#include "core/errors.h"
#include "ops/log.h"
#include "pipeline/transaction_deletes.h"
#include "retainly/request_body.h"

namespace cdc::pipeline {

using namespace std::chrono_literals;

std::string call_to_json_line(const retainly::Call& call) {
  const auto request = retainly::single_call_request(call);
  std::string line = "{\"method\":\"";
  line += request.method;
  line += "\",\"path\":\"";
  line += request.path;
  line += "\",\"body\":";
  line += request.body;
  line += ',';
  retainly::append_provenance_members(line, call.origin);
  line += "}";
  return line;
}

std::string rejection_to_json_line(const mapping::Rejection& rejection) {
  std::string line = "{\"rejected\":";
  append_json_string(line, rejection.reason);
  line += ',';
  retainly::append_provenance_members(line, rejection.origin);
  line += "}";
  return line;
}

std::string skip_to_json_line(const mapping::Skip& skip) {
  std::string line = "{\"skipped\":";
  append_json_string(line, mapping::to_string(skip.reason));
  line += ",\"call\":\"";
  line += retainly::to_string(skip.kind);
  line += "\",\"customer_id\":";
  line += skip.customer_id;
  if (!skip.field.empty()) {
    line += ",\"field\":";
    append_json_string(line, skip.field);
    line += ",\"item_id\":";
    line += skip.item_id;
  }
  line += ",\"fields\":[";
  for (size_t i = 0; i < skip.fields.size(); ++i) {
    if (i > 0) line += ',';
    append_json_string(line, skip.fields[i].name);
  }
  line += "],\"whole_call\":";
  line += skip.whole_call ? "true" : "false";
  line += ',';
  retainly::append_provenance_members(line, skip.origin);
  line += "}";
  return line;
}

void run_dry(ChangeSource& source, const mapping::Mapper& mapper, const std::atomic<bool>& stop,
             std::ostream& out) {
  mapping::MappingOutput output;
  TransactionDeletes transaction_deletes;
  while (!stop.load()) {
    auto item = source.next(100ms);
    if (!item) continue;
    auto* change = std::get_if<RowChange>(&*item);
    if (change == nullptr) {
      transaction_deletes.transaction_ended();
      // Printed: a read-only source keeps nothing durable from this, and PostgreSQL's
      // temporary slot then lets the server recycle the WAL behind it.
      source.acknowledge(std::get<TransactionEnd>(*item).position);
      continue;
    }
    output.clear();
    mapper.map(*change, output);
    for (const auto& call : output.calls) {
      if (transaction_deletes.keep(call)) out << call_to_json_line(call) << "\n";
    }
    for (const auto& rejection : output.rejections) {
      out << rejection_to_json_line(rejection) << "\n";
    }
    for (const auto& skip : output.skips) out << skip_to_json_line(skip) << "\n";
    out.flush();
  }
}

}  // namespace cdc::pipeline
