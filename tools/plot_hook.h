// Plots as the last step of train, eval and bench: every verb that makes them takes --no-plots;
// when gnuplot is missing the program warns once (stderr) and carries on; other plot failures
// are reported as warnings too, so a finished training run never fails because of a picture.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace calmspace::tools {

// Adds --no-plots to `cmd`, bound to `*disabled`.
void add_no_plots_flag(CLI::App* cmd, bool* disabled);

// Runs `make` (which returns the files written), prints "plots: N files -> DIR" or a warning.
void make_plots_or_warn(const std::string& what, const std::string& dir,
                        const std::function<std::vector<std::string>()>& make);

}  // namespace calmspace::tools
