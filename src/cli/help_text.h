// Every help text of retainly-cdc and its commands (src/cli/main.cpp only adds the
// options): what `--help` prints beyond the options, written as a man page would
// (description, exit codes, files, examples).
// Texts are pre-wrapped at 80 columns, since CLI11 prints them as they are.
#pragma once

#include <string>

namespace cdc::cli::help {

// The program's description and the footer every command inherits: exit codes, the
// configuration file, secrets, where the documentation is.
std::string program();
std::string common_footer();

// Per command: the one-line summary shown above the options and in the command list,
// and the footer below the options: description, examples, then the common footer.
std::string run();
std::string run_footer();
std::string check();
std::string check_footer();
std::string preview();
std::string preview_footer();
// These commands describe themselves above the options, in one paragraph.
std::string backfill();
std::string forget();
std::string resnapshot();
std::string replay_dead_letters();
std::string status();
std::string scaffold();

}  // namespace cdc::cli::help
