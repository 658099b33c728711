// Plots from what CalmSpace writes (the work behind `calmspace plot` and the end of train, eval
// and bench). Each returns the PNG and SVG files it wrote.
//   run directory (train) or eval folder: metrics.jsonl -> training_curves;
//       report.json -> confusion, per_class
//   bench directory: bench.json -> cells_accuracy, cells_throughput, cells_accuracy_vs_time
//   prediction JSON (calmspace predict --out X.json): per recording <stem>_probabilities,
//       <stem>_pie and, with a timeline, <stem>_timeline
//   Google Benchmark JSON of bench/features_bench: feature_roofline
#pragma once

#include <string>
#include <vector>

namespace calmspace::plot {

std::vector<std::string> plot_run_dir(const std::string& run_dir, const std::string& out_dir);
std::vector<std::string> plot_bench_dir(const std::string& bench_dir, const std::string& out_dir);
std::vector<std::string> plot_prediction_json(const std::string& path, const std::string& out_dir);
std::vector<std::string> plot_feature_bench_json(const std::string& path,
                                                 const std::string& out_dir);

// Chooses by what `path` holds; `out_dir` empty = PATH/plots for a folder, PATH_STEM_plots
// beside a file. InputError when the path holds nothing plottable.
std::vector<std::string> plot_path(const std::string& path, const std::string& out_dir = "");

}  // namespace calmspace::plot
