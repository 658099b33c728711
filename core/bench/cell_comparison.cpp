#include "core/bench/cell_comparison.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/base/atomic_file.h"
#include "core/bench/peer_comparison.h"
#include "core/dataset/clip_source.h"
#include "core/dataset/splits.h"
#include "core/eval/evaluate.h"
#include "core/run/checkpoint.h"
#include "core/run/model_checkpoint.h"
#include "core/run/run_dir.h"
#include "core/train/cross_validation.h"

namespace calmspace {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

nlohmann::json spread(const std::vector<double>& v) {
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
  return {{"mean", mean}, {"std", sd}, {"per_fold", v}};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Inference throughput of a fold's best checkpoint on that fold's test split.
nlohmann::json time_inference(const DatasetFile& dataset, const std::string& checkpoint_path,
                              const TrainOutcome& fold, double min_seconds) {
  const Checkpoint checkpoint = load_checkpoint(checkpoint_path);
  const Config config = checkpoint.config();
  auto model = model_from_checkpoint(checkpoint);
  model->set_num_threads(config.train.num_threads);
  ClipSource source(dataset, config, make_splits(dataset, config.train, config.data.fold_by).test,
                    false);
  source.clean_features();  // load once, untimed
  std::vector<double> rates;
  double total = 0;
  Evaluation e;
  while (rates.size() < 3 || total < min_seconds) {
    const auto t0 = Clock::now();
    e = evaluate_model(*model, source, checkpoint.labels, config.train.batch_size);
    const double s = seconds_since(t0);
    total += s;
    rates.push_back(static_cast<double>(source.size()) / std::max(s, 1e-9));
  }
  // The timed passes must reproduce the training run's test report.
  if (e.metrics.confusion != fold.test.confusion)
    throw Error(cat(checkpoint_path, ": inference pass disagrees with the fold's test report"));
  return {{"clips_per_s", median(rates)},
          {"min", *std::min_element(rates.begin(), rates.end())},
          {"max", *std::max_element(rates.begin(), rates.end())},
          {"passes", rates.size()},
          {"clips", source.size()},
          {"batch_size", config.train.batch_size},
          {"threads", config.train.num_threads},
          {"checkpoint", checkpoint_path}};
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string human_bytes(double b) {
  if (b >= 1 << 20) return fmt("%.2f MiB", b / (1 << 20));
  return fmt("%.1f KiB", b / 1024);
}

}  // namespace

nlohmann::json compare_cells(const DatasetFile& dataset, const Config& recipe,
                             const CellComparisonOptions& options, const std::string& out_dir,
                             TrainingObserver* observer, const CellFoldCallback& on_fold) {
  std::vector<std::pair<std::string, CellKind>> cells;
  for (const auto& name : options.cells) {
    const auto& table = cell_kind_table();
    const auto it =
        std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.first == name; });
    if (it == table.end())
      throw InputError("--cells",
                       cat("unknown cell '", name, "' (rnn, rnn_tanh, rnn_relu, lstm, gru)"));
    cells.emplace_back(name, it->second);
  }
  if (cells.empty()) throw InputError("--cells", "no cell to compare");
  fs::create_directories(out_dir);

  Cluster& cluster = *options.cluster;
  const bool parallel = cluster.size() > 1;
  nlohmann::json results = nlohmann::json::array();
  int folds_run = 0;
  for (const auto& [name, kind] : cells) {
    Config config = recipe;
    config.model.cell = kind;
    const std::string cell_dir = (fs::path(out_dir) / name).string();
    std::vector<double> fold_seconds;
    const auto cell_start = Clock::now();
    auto t0 = cell_start;
    const CvSummary cv = cross_validate(
        dataset, config, cell_dir, observer,
        [&, cell_name = name](int k, const TrainOutcome& o) {
          fold_seconds.push_back(seconds_since(t0));
          if (on_fold) on_fold(cell_name, k, o);
          t0 = Clock::now();
        },
        options.max_folds, /*resume=*/false, cluster);
    if (!cluster.is_root()) continue;
    const double cell_seconds = seconds_since(cell_start);
    folds_run = static_cast<int>(cv.folds.size());
    std::vector<double> ua, wa, f1, epochs, train_seconds;
    double clips_per_s = 0;
    int records = 0;
    for (const auto& f : cv.folds) {
      ua.push_back(f.test.ua);
      wa.push_back(f.test.wa);
      f1.push_back(f.test.macro_f1);
      epochs.push_back(static_cast<double>(f.history.size()));
      double seconds = 0;
      for (const auto& r : f.history) clips_per_s += r.clips_per_s, seconds += r.seconds, ++records;
      train_seconds.push_back(seconds);
    }
    const fs::path best = RunDir(cv.folds.front().run_dir).best_checkpoint();
    const Checkpoint ck = load_checkpoint(best.string());
    const auto params = static_cast<std::int64_t>(ck.weights.size());
    results.push_back({{"cell", name},
                       {"run_dir", cell_dir},
                       {"ua", spread(ua)},
                       {"wa", spread(wa)},
                       {"macro_f1", spread(f1)},
                       {"train_seconds", spread(train_seconds)},
                       {parallel ? "cell_wall_seconds" : "fold_wall_seconds",
                        parallel ? nlohmann::json(cell_seconds) : spread(fold_seconds)},
                       {"epochs", spread(epochs)},
                       {"train_clips_per_s", records ? clips_per_s / records : 0.0},
                       {"inference", time_inference(dataset, best.string(), cv.folds.front(),
                                                    options.min_inference_seconds)},
                       {"parameters", params},
                       {"model_bytes", params * 4},
                       {"checkpoint_bytes", static_cast<std::int64_t>(fs::file_size(best))}});
  }
  if (!cluster.is_root()) return nullptr;
  Config resolved = recipe;
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& peer : options.peers)
    peers.push_back(compare_with_peer(results, peer, recipe, folds_run));
  nlohmann::json bench = {
      {"kind", "calmspace-bench"},
      {"command", options.command},
      {"data", dataset.path()},
      {"num_folds", dataset.header().num_folds},
      {"folds_run", folds_run},
      {"ranks", cluster.size()},
      {"std", "sample standard deviation over folds (n - 1)"},
      {"definitions",
       {{"train_seconds", "per fold, the sum of its epochs' wall times (training and validation)"},
        {"fold_wall_seconds",
         "per fold, wall time of the whole run: loading, epochs, checkpoints "
         "and the test pass (one process)"},
        {"cell_wall_seconds",
         "with ranks > 1, wall time of the cell's whole cross-validation, its folds spread over "
         "the ranks"},
        {"train_clips_per_s",
         "mean over every epoch of every fold of training clips per second "
         "of training time"},
        {"inference",
         "fold 0's best checkpoint on its test split, features in memory, median "
         "over passes of clips per second"},
        {"model_bytes", "float32 parameters"},
        {"checkpoint_bytes", "size of the best.h5 checkpoint file (includes training state)"}}},
      {"machine", options.machine},
      {"config", resolved.to_yaml()},
      {"cells", results},
      {"peers", peers}};
  write_text_file_atomic(RunDir(out_dir).bench_json().string(), bench.dump(2) + "\n");
  write_text_file_atomic((fs::path(out_dir) / "bench.md").string(), bench_markdown(bench));
  return bench;
}

std::string bench_markdown(const nlohmann::json& b) {
  const auto pm = [](const nlohmann::json& s, double scale, const char* f) {
    return fmt(f, scale * s["mean"].get<double>()) + " ± " + fmt(f, scale * s["std"].get<double>());
  };
  std::string md = "# Recurrent cells compared: " + b.value("data", std::string()) + "\n\n";
  md += cat("Speaker-independent folds: ", b["folds_run"].get<int>(), " of ",
            b["num_folds"].get<int>(),
            "; mean ± sample std over folds. Same recipe for every cell.\n\n");
  md +=
      "| cell | UA (%) | WA (%) | macro-F1 (%) | training time per fold (s) | epochs | training "
      "clips/s | inference clips/s | parameters | model size |\n";
  md += "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& c : b["cells"]) {
    md += "| " + c["cell"].get<std::string>() + " | " + pm(c["ua"], 100, "%.1f") + " | " +
          pm(c["wa"], 100, "%.1f") + " | " + pm(c["macro_f1"], 100, "%.1f") + " | " +
          pm(c["train_seconds"], 1, "%.1f") + " | " + fmt("%.1f", c["epochs"]["mean"]) + " | " +
          fmt("%.0f", c["train_clips_per_s"]) + " | " + fmt("%.0f", c["inference"]["clips_per_s"]) +
          " | " + cat(c["parameters"].get<std::int64_t>()) + " | " +
          human_bytes(c["model_bytes"].get<double>()) + " |\n";
  }
  md += "\n";
  if (b.contains("peers"))
    for (const auto& peer : b["peers"]) md += peer_markdown(peer);
  const auto& m = b["machine"];
  if (m.is_object())
    md += cat("Machine: ", m.value("cpu", "?"), ", ", m.value("threads", 0), " threads; git ",
              m.value("git_revision", "?"), ".\n");
  if (!b.value("command", std::string()).empty())
    md += "Command: `" + b["command"].get<std::string>() + "`\n";
  return md;
}

}  // namespace calmspace
