#include "cli/exit_code.h"

#include "core/errors.h"
#include "ops/log.h"

namespace cdc::cli {

int report_current_exception(const char* command) {
  try {
    throw;
  } catch (const ConfigError& e) {
    log::error("{}: configuration error: {}", command, e.what());
    return kExitConfig;
  } catch (const AuthError& e) {
    log::error(
        "{}: Retainly refused the credentials: {}. Check sink.key and sink.secret; no offset "
        "was moved past undelivered changes",
        command, e.what());
    return kExitAuth;
  } catch (const SourceError& e) {
    log::error("{}: source error: {}", command, e.what());
    return kExitSource;
  } catch (const ProtocolError& e) {
    log::error("{}: could not decode data from the source: {}", command, e.what());
    return kExitFailure;
  } catch (const std::exception& e) {
    log::error("{}: {}", command, e.what());
    return kExitFailure;
  }
}

}  // namespace cdc::cli
