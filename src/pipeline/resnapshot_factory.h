// Builds the Resnapshot a connector config asks for: chunks read through
// table_reader_factory, watermarks written through make_watermark_writer, and, for
// PostgreSQL, the stream's decoded transactions to tell a chunk that missed one.
#pragma once

#include <memory>

#include "config/connector_config.h"
#include "pipeline/resnapshot.h"

namespace cdc::pipeline {

// Hooks that open readers on connections of their own and write watermarks on one
// connection kept between calls. For the pipeline's thread only.
ResnapshotHooks resnapshot_hooks(const config::ConnectorConfig& config);

// Serves requests in config.state_dir with chunks of backfill.page_rows rows.
std::unique_ptr<Resnapshot> make_resnapshot(const config::ConnectorConfig& config);

}  // namespace cdc::pipeline
