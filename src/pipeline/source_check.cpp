#include "pipeline/source_check.h"

#include "retainly/credentials_probe.h"

namespace cdc::pipeline {

void check_source(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                  std::vector<Problem>& problems, std::ostream& out) {
  if (config.source.type == config::SourceType::kPostgres) {
    check_postgres(config, mapper, problems, out);
  } else {
    check_mysql(config, mapper, problems, out);
  }
}

std::optional<Problem> check_credentials(const sink::SinkOptions& sink) {
  const auto verdict = retainly::probe_credentials({.url = sink.url,
                                                    .key_header = sink.key_header,
                                                    .key = sink.key,
                                                    .secret_header = sink.secret_header,
                                                    .secret = sink.secret,
                                                    .tls_verify = sink.tls_verify,
                                                    .ca_path = sink.ca_path});
  switch (verdict.outcome) {
    case retainly::CredentialsVerdict::kAccepted:
      return std::nullopt;
    case retainly::CredentialsVerdict::kRefused:
      return Problem{Problem::kAuth, verdict.message};
    case retainly::CredentialsVerdict::kUnreachable:
    case retainly::CredentialsVerdict::kUnexpected:
      break;
  }
  return Problem{Problem::kOther, verdict.message};
}

}  // namespace cdc::pipeline
