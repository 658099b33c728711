// calmspace: speech emotion recognition from the command line. Verbs live in tools/cmd_*.cpp.
// Exit codes: 0 success, 1 bad input or failure (one line on stderr), 2 usage error.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "tools/job.h"
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

// Levenshtein distance, for "did you mean" on a mistyped verb.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// A first argument that is neither an option nor a verb: one line naming it, the closest verb
// and every verb (CLI11 would only say "A subcommand is required").
bool unknown_verb(const CLI::App& app, const std::string& word) {
  if (word.empty() || word[0] == '-') return false;
  std::string verbs, closest;
  std::size_t best = word.size();
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == word) return false;
    verbs += (verbs.empty() ? "" : ", ") + sub->get_name();
    if (const std::size_t d = edit_distance(word, sub->get_name()); d < best) {
      best = d;
      closest = sub->get_name();
    }
  }
  std::cerr << "calmspace: error: '" << word << "' is not a verb"
            << (best <= 2 ? "; did you mean '" + closest + "'?" : "") << " (verbs: " << verbs
            << "; calmspace --help)\n";
  return true;
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

  if (argc > 1 && unknown_verb(app, argv[1])) return 2;
  using calmspace::tools::job;
  // A rank that fails ends the whole job: the others would wait for it in a collective forever.
  auto fail = [](int code) {
    if (code != 0 && job().size() > 1) job().abort(code);
    calmspace::tools::end_job();
    return code;
  };
  try {
    calmspace::tools::start_job(&argc, &argv);
  } catch (const std::exception& e) {
    std::cerr << "calmspace: error: " << e.what() << "\n";
    return 1;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, version or the usage error
    return fail(code == 0 ? 0 : 2);
  } catch (const std::exception& e) {
    std::cerr << "calmspace: error: " << calmspace::tools::rank_prefix() << e.what() << "\n";
    return fail(1);
  }
  calmspace::tools::end_job();
  return 0;
}
