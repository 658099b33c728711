#include "tools/plot_hook.h"

#include <cstdio>

#include "core/plot/gnuplot.h"

namespace calmspace::tools {

void add_no_plots_flag(CLI::App* cmd, bool* disabled) {
  cmd->add_flag("--no-plots", *disabled, "do not draw the PNG/SVG plots (gnuplot) at the end");
}

void make_plots_or_warn(const std::string& what, const std::string& dir,
                        const std::function<std::vector<std::string>()>& make) {
  static bool warned_missing = false;
  try {
    const auto files = make();
    std::printf("plots: %zu files (%s) -> %s\n", files.size(), what.c_str(), dir.c_str());
    std::fflush(stdout);
  } catch (const plot::GnuplotMissing& e) {
    if (!warned_missing) std::fprintf(stderr, "calmspace: warning: no plots: %s\n", e.what());
    warned_missing = true;
  } catch (const Error& e) {
    std::fprintf(stderr, "calmspace: warning: plots (%s) failed: %s\n", what.c_str(), e.what());
  }
}

}  // namespace calmspace::tools
