// Running gnuplot (Debian's gnuplot-nox) as a subprocess to draw one figure as PNG and SVG.
// A figure is a folder-relative trio the user can edit and re-run by hand:
//   DIR/NAME.gp    the script: the plot body once for `pngcairo`, once for `svg`
//   DIR/NAME*.dat  its data files (whitespace-separated columns, strings double-quoted)
//   DIR/NAME.png, DIR/NAME.svg
// gnuplot runs with DIR as its working directory and writes to temporary names; the PNG and SVG
// are renamed into place only when it exits 0 and both are non-empty, so a failed run never
// leaves a half-written picture. Script and data files are written atomically too.
// The gnuplot program is `gnuplot` on PATH, or $CALMSPACE_GNUPLOT when set.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/base/error.h"

namespace calmspace::plot {

// gnuplot is not installed (or $CALMSPACE_GNUPLOT names nothing runnable). Callers that make
// plots as a side effect (train, eval, bench) warn once and carry on.
class GnuplotMissing : public InputError {
 public:
  explicit GnuplotMissing(const std::string& reason) : InputError("gnuplot", reason) {}
};

// Absolute path of the gnuplot executable; throws GnuplotMissing with the reason.
std::string find_gnuplot();

struct Figure {
  std::string name;  // file stem, e.g. "confusion"
  int width = 960;   // pixels (SVG: points)
  int height = 640;
  std::string body;  // gnuplot commands after the terminal and output are set
  std::vector<std::pair<std::string, std::string>> data;  // (file name, contents)
};

// Writes the figure's data, script, PNG and SVG into `dir` (created); returns the PNG and SVG
// paths. Throws GnuplotMissing, or InputError(script path, gnuplot's error output) when gnuplot
// fails.
std::vector<std::string> render(const Figure& figure, const std::string& dir);

// Gnuplot string literal: "..." with backslashes and double quotes escaped.
std::string quote(const std::string& text);

// The style every figure shares: font, grid, key, the series palette (linetypes 1..8).
std::string common_style();

}  // namespace calmspace::plot
