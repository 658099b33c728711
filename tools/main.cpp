// calmspace: speech emotion recognition from the command line. Verbs live in tools/cmd_*.cpp.
// Exit codes: 0 success, 1 bad input or failure (one line on stderr), 2 usage error.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <csignal>
#include <iostream>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "tools/verb.h"

namespace calmspace::tools {

std::vector<Verb>& verb_registry() {
  static std::vector<Verb> verbs;
  return verbs;
}

}  // namespace calmspace::tools

namespace {

// On Ctrl-C or kill: remove half-written outputs, then die of the same signal.
void on_terminate(int sig) {
  calmspace::remove_pending_temporaries();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_terminate);
  std::signal(SIGTERM, on_terminate);

  CLI::App app{"calmspace " CALMSPACE_VERSION ": speech emotion recognition on CPU and GPU",
               "calmspace"};
  app.require_subcommand(1);
  app.set_version_flag("--version", CALMSPACE_VERSION);
  app.option_defaults()->always_capture_default();
  auto& verbs = calmspace::tools::verb_registry();
  std::sort(verbs.begin(), verbs.end(),
            [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& verb : verbs) verb.add(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, version or the usage error
    return code == 0 ? 0 : 2;
  } catch (const calmspace::Error& e) {
    std::cerr << "calmspace: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "calmspace: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
