#include "pipeline/dry_run.h"

#include "core/errors.h"
#include "ops/log.h"
#include "pipeline/flattened_fields.h"
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

namespace {

// What the filter left out of `call`, as the mapping reports its own skips.
mapping::Skip last_sent_skip(const retainly::Call& call, const ChangedFilter::Skipped& skipped,
                             std::vector<std::string>& names) {
  mapping::Skip skip;
  skip.reason = mapping::SkipReason::kLastSent;
  skip.kind = call.kind;
  skip.customer_id = call.customer_id;
  skip.field = call.field;
  skip.item_id = call.item_id;
  skip.whole_call = skipped.whole_call;
  if (call.kind == retainly::CallKind::kArrayUpsert) {
    for (const auto& attribute : call.attributes) names.push_back(attribute.name);
  }
  for (auto& name : names) skip.fields.push_back({std::move(name), {}});
  names.clear();
  skip.origin = call.origin;
  return skip;
}

}  // namespace

void apply_last_sent(mapping::MappingOutput& output, const mapping::Mapper& mapper,
                     ChangedFilter& filter) {
  std::vector<std::string> names;
  std::erase_if(output.calls, [&](retainly::Call& call) {
    ChangedFilter::Skipped skipped;
    const auto table = filter.table(call.origin.table, mapper.sends_changed(call.origin.table),
                                    flattened_fields(mapper, call.origin.table));
    const bool send = filter.prepare(call, table, skipped, &names);
    if (skipped.fields > 0 || skipped.whole_call) {
      output.skips.push_back(last_sent_skip(call, skipped, names));
    }
    names.clear();
    return !send;
  });
}

void run_dry(ChangeSource& source, const mapping::Mapper& mapper, const std::atomic<bool>& stop,
             std::ostream& out, ChangedFilter* filter) {
  mapping::MappingOutput output;
  // As the stream asks it: a customer the store knows has its fields judged there, so its
  // skips show as the store's.
  FilterKnownCustomers known;
  known.filter = filter;
  if (filter != nullptr) output.known_customers = &known;
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
    if (filter != nullptr) {
      const std::string table = change->table ? change->table->id.qualified() : std::string();
      known.tag =
          filter->table(table, mapper.sends_changed(table), flattened_fields(mapper, table)).tag;
    }
    mapper.map(*change, output);
    std::erase_if(output.calls,
                  [&](const retainly::Call& call) { return !transaction_deletes.keep(call); });
    if (filter != nullptr) apply_last_sent(output, mapper, *filter);
    for (const auto& call : output.calls) out << call_to_json_line(call) << "\n";
    for (const auto& rejection : output.rejections) {
      out << rejection_to_json_line(rejection) << "\n";
    }
    for (const auto& skip : output.skips) out << skip_to_json_line(skip) << "\n";
    out.flush();
  }
}

}  // namespace cdc::pipeline
