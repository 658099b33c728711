#include "core/plot/bench_figures.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <sstream>

#include "core/plot/figures.h"

namespace calmspace::plot {
namespace {

std::string cell_tics(const nlohmann::json& cells) {
  std::string s = "(";
  for (std::size_t i = 0; i < cells.size(); ++i)
    s += cat(i ? ", " : "", quote(cells[i]["cell"].get<std::string>()), " ", i);
  return s + ")";
}

// "features_cpu_logmel/b32x4s/threads:1/manual_time" -> "cpu_logmel\nb32x4s\nthreads:1" (a
// gnuplot string body: "\n" is a line break there).
std::string short_tic(std::string name) {
  for (const char* drop : {"/manual_time", "/real_time"})
    if (const auto at = name.find(drop); at != std::string::npos) name.erase(at, std::strlen(drop));
  if (name.rfind("features_", 0) == 0) name.erase(0, 9);
  std::string out;
  for (char c : name) {
    if (c == '/')
      out += "\\n";
    else if (c != '"' && c != '\\')
      out += c;
  }
  return out;
}

std::string subtitle(const nlohmann::json& b) {
  return cat(b["folds_run"].get<int>(), " speaker-independent fold",
             b["folds_run"].get<int>() == 1 ? "" : "s", ", mean ± sample std");
}

}  // namespace

Figure cells_accuracy(const nlohmann::json& b) {
  const auto& cells = b["cells"];
  Figure f{"cells_accuracy", 1000, 600, "", {}};
  const char* metrics[] = {"ua", "wa", "macro_f1"};
  std::ostringstream bars, dots;
  bars << "# x mean_pct std_pct metric_index\n";
  dots << "# x fold_value_pct metric_index\n";
  for (std::size_t i = 0; i < cells.size(); ++i)
    for (int m = 0; m < 3; ++m) {
      const auto& s = cells[i][metrics[m]];
      const double x = static_cast<double>(i) + (m - 1) * 0.26;
      bars << num(x) << ' ' << num(100 * s["mean"].get<double>()) << ' '
           << num(100 * s["std"].get<double>()) << ' ' << m + 1 << '\n';
      const auto& folds = s["per_fold"];
      for (std::size_t k = 0; k < folds.size(); ++k) {
        const double jitter =
            folds.size() > 1 ? (static_cast<double>(k) / (folds.size() - 1) - 0.5) * 0.12 : 0;
        dots << num(x + jitter) << ' ' << num(100 * folds[k].get<double>()) << ' ' << m + 1 << '\n';
      }
    }
  f.data.emplace_back("cells_accuracy.dat", bars.str());
  f.data.emplace_back("cells_accuracy_folds.dat", dots.str());
  double top = 0;
  for (const auto& c : cells)
    for (const char* m : metrics)
      for (const auto& v : c[m]["per_fold"]) top = std::max(top, 100 * v.get<double>());
  std::ostringstream s;
  s << "set title " << quote(cat("Test accuracy per cell (", subtitle(b), "; dots = folds)"))
    << " font ',14'\n"
    << "set ylabel 'score (%)'\nset xlabel 'recurrent cell'\n"
    << "set xrange [-0.6:" << num(cells.size() - 0.4)
    << "]\nset yrange [0:" << num(std::min(100.0, std::ceil((top + 12) / 10) * 10)) << "]\n"
    << "set xtics " << cell_tics(cells) << "\nset boxwidth 0.24\nset key top left horizontal\n"
    << "plot for [m=1:3] 'cells_accuracy.dat' using 1:($4 == m ? $2 : NaN) with boxes lt m "
       "title word('UA WA macro-F1', m), \\\n"
    << "  'cells_accuracy.dat' using 1:($2 - $3):(0):(2 * $3) with vectors heads size screen "
       "0.008,90 lc rgb '#222222' lw 1.5 notitle, \\\n"
    << "  'cells_accuracy_folds.dat' using 1:2 with points pt 7 ps 0.7 lc rgb '#222222' "
       "notitle\n";
  f.body = s.str();
  return f;
}

Figure cells_throughput(const nlohmann::json& b) {
  const auto& cells = b["cells"];
  Figure f{"cells_throughput", 1000, 600, "", {}};
  std::ostringstream d;
  d << "# x clips_per_s series(1 = training, 2 = inference)\n";
  double lo = 1e300, hi = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const double train = cells[i]["train_clips_per_s"].get<double>();
    const double infer = cells[i]["inference"]["clips_per_s"].get<double>();
    d << num(i - 0.18) << ' ' << num(train) << " 1\n"
      << num(i + 0.18) << ' ' << num(infer) << " 2\n";
    lo = std::min({lo, train, infer});
    hi = std::max({hi, train, infer});
  }
  f.data.emplace_back("cells_throughput.dat", d.str());
  const double ymin = std::pow(10, std::floor(std::log10(std::max(lo, 1e-3) / 2)));
  const double ymax = std::pow(10, std::ceil(std::log10(std::max(hi, 1e-3) * 3)));
  const auto& m = b.value("machine", nlohmann::json::object());
  std::ostringstream s;
  s << "set title "
    << quote(cat("Throughput per cell (", m.value("threads", 0), " threads, ",
                 m.value("cpu", std::string("CPU")), ")"))
    << " font ',13'\n"
    << "set ylabel 'clips per second (log scale)'\nset xlabel 'recurrent cell'\n"
    << "set logscale y\nset format y '%.0s%c'\nset yrange [" << num(ymin) << ":" << num(ymax)
    << "]\n"
    << "set xrange [-0.6:" << num(cells.size() - 0.4) << "]\nset xtics " << cell_tics(cells)
    << "\nset boxwidth 0.34\nset key top left horizontal\n"
    << "plot for [k=1:2] 'cells_throughput.dat' using 1:($3 == k ? $2 : NaN) with boxes lt k "
       "title word('training inference', k), \\\n"
    << "  '' using 1:2:(sprintf('%.0f', $2)) with labels offset 0,0.8 font ',10' notitle\n";
  f.body = s.str();
  return f;
}

Figure cells_accuracy_vs_time(const nlohmann::json& b) {
  const auto& cells = b["cells"];
  Figure f{"cells_accuracy_vs_time", 1000, 620, "", {}};
  std::ostringstream d;
  d << "# train_seconds_mean ua_pct train_seconds_std ua_std_pct cell linetype\n";
  double xmax = 0, ymax = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const auto& t = cells[i]["train_seconds"];
    const auto& u = cells[i]["ua"];
    d << num(t["mean"].get<double>()) << ' ' << num(100 * u["mean"].get<double>()) << ' '
      << num(t["std"].get<double>()) << ' ' << num(100 * u["std"].get<double>()) << ' '
      << quote(cells[i]["cell"].get<std::string>()) << ' ' << i + 1 << '\n';
    xmax = std::max(xmax, t["mean"].get<double>() + t["std"].get<double>());
    ymax = std::max(ymax, 100 * (u["mean"].get<double>() + u["std"].get<double>()));
  }
  f.data.emplace_back("cells_accuracy_vs_time.dat", d.str());
  std::ostringstream s;
  s << "set title " << quote(cat("Accuracy against training cost (", subtitle(b), ")"))
    << " font ',14'\n"
    << "set xlabel 'training time per fold (s, sum of its epochs)'\nset ylabel 'test UA (%)'\n"
    << "set xrange [0:" << num(xmax * 1.2 + 1e-9)
    << "]\nset yrange [0:" << num(std::min(100.0, ymax * 1.2 + 5))
    << "]\nset grid xtics ytics\nunset key\n"
    << "plot 'cells_accuracy_vs_time.dat' using 1:2:3:4:6 with xyerrorbars lc variable lw 2 "
       "pt 7 ps 1.6, \\\n"
    << "  '' using 1:2:5 with labels offset 1.5,1.2 left font ',13'\n";
  f.body = s.str();
  return f;
}

Figure feature_roofline(const nlohmann::json& r, const std::string& source) {
  Figure f{"feature_roofline", 1000, 600, "", {}};
  std::ostringstream d;
  d << "# x audio_s_per_s GB_per_s bytes_per_audio_s name\n";
  int n = 0;
  double bytes_per_audio_s = 0, hi = 0, lo = 1e300;
  std::string tics = "(";
  // With --benchmark_repetitions, one bar per benchmark: its median, not every repetition.
  const auto benchmarks = r.value("benchmarks", nlohmann::json::array());
  std::set<std::string> with_median;
  for (const auto& bm : benchmarks)
    if (bm.value("aggregate_name", "") == "median") with_median.insert(bm.value("run_name", ""));
  for (const auto& bm : benchmarks) {
    if (bm.value("run_type", "") == "aggregate" && bm.value("aggregate_name", "") != "median")
      continue;
    if (bm.value("run_type", "") == "iteration" && with_median.count(bm.value("run_name", "")))
      continue;
    if (!bm.contains("audio_s_per_s") || !bm.contains("bytes_per_audio_s")) continue;
    const double rate = bm["audio_s_per_s"].get<double>();
    bytes_per_audio_s = bm["bytes_per_audio_s"].get<double>();
    d << n << ' ' << num(rate) << ' ' << num(rate * bytes_per_audio_s / 1e9) << ' '
      << num(bytes_per_audio_s) << ' ' << quote(bm.value("name", "?")) << '\n';
    tics +=
        cat(n ? ", " : "", "\"", short_tic(bm.value("run_name", bm.value("name", "?"))), "\" ", n);
    hi = std::max(hi, rate);
    lo = std::min(lo, rate);
    ++n;
  }
  if (n == 0)
    throw InputError(source, "no feature benchmark with audio_s_per_s and bytes_per_audio_s");
  f.data.emplace_back("feature_roofline.dat", d.str());
  const auto& ctx = r.value("context", nlohmann::json::object());
  // Google Benchmark context values are strings.
  double bw = 0;
  if (ctx.contains("gpu_bandwidth_gbs"))
    bw = ctx["gpu_bandwidth_gbs"].is_string()
             ? std::stod(ctx["gpu_bandwidth_gbs"].get<std::string>())
             : ctx["gpu_bandwidth_gbs"].get<double>();
  const double ceiling = bw > 0 ? bw * 1e9 / bytes_per_audio_s : 0;
  hi = std::max(hi, ceiling);
  std::ostringstream s;
  s << "set title "
    << quote(ceiling > 0
                 ? cat("Feature extraction against the memory roofline (",
                       ctx.value("gpu_name", std::string("GPU")), ", ", num(bw), " GB/s peak)")
                 : std::string("Feature extraction throughput (no GPU recorded: "
                               "no bandwidth roofline)"))
    << " font ',13'\n"
    << "set ylabel 'audio seconds per second (log scale)'\nset xlabel 'benchmark' offset "
       "0,-1.5\nset bmargin 7\n"
    << "set logscale y\nset yrange [" << num(std::pow(10, std::floor(std::log10(lo / 3)))) << ":"
    << num(std::pow(10, std::ceil(std::log10(hi * 3)))) << "]\n"
    << "set xrange [-0.6:" << n - 0.4 << "]\nset xtics " << tics << ")\nset format y '%.0s%c'\n"
    << "set boxwidth 0.5\nset key top left\n";
  if (ceiling > 0)
    s << "set arrow from -0.6," << num(ceiling) << " to " << n - 0.4 << "," << num(ceiling)
      << " nohead dt 2 lw 2 lc rgb '#D55E00'\n"
      << "set label "
      << quote(cat("roofline: ", num(bw), " GB/s / ", num(bytes_per_audio_s),
                   " bytes per audio second"))
      << " at -0.5," << num(ceiling) << " offset 0,0.8 tc rgb '#D55E00'\n";
  s << "plot 'feature_roofline.dat' using 1:2 with boxes lt 1 title 'measured', \\\n"
    << "  '' using 1:2:(sprintf('%.0f audio-s/s, %.2f GB/s', $2, $3)) with labels offset 0,0.8 "
       "font ',10' notitle\n";
  f.body = s.str();
  return f;
}

}  // namespace calmspace::plot
