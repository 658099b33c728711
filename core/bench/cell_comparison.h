// The comparison users read (`calmspace bench`): one training recipe, several recurrent cells
// (rnn, lstm, gru), the same speaker-independent folds (core/train/cross_validation.h), and per
// cell: test UA / WA / macro-F1 mean and sample std over folds, training time per fold (the sum
// of its epochs' wall times, training and validation; whole-run wall time too),
// training clips/s (mean of every epoch's clips per second of training time), inference clips/s
// (the fold-0 best checkpoint on its test split, features already in memory, evaluation batches
// of train.batch_size, median of repeated passes), parameter count and model size.
// With peer results (core/bench/peer_comparison.h, checked before training), bench.json's "peers"
// puts each cell's training and inference clips/s beside PyTorch's with the ratios.
// Output: OUT/<cell>/ (cv runs: fold_<k>/, cv.json), OUT/bench.json, OUT/bench.md.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/cluster/cluster.h"
#include "core/config/config.h"
#include "core/dataset/dataset_file.h"
#include "core/train/trainer.h"

namespace calmspace {

struct CellComparisonOptions {
  std::vector<std::string> cells = {"rnn", "lstm", "gru"};  // cell_kind_table names
  int max_folds = 0;                                        // 0 = every fold of the dataset
  double min_inference_seconds = 0.3;  // inference timing: repeat passes at least this long
  nlohmann::json machine;              // machine_record(...), copied into bench.json
  std::string command;                 // the command line, copied into bench.json
  std::vector<nlohmann::json> peers;   // load_peer_result(...) of each --peer-json
  // Each cell's folds are dealt out to this job's ranks (cross_validation.h); the root writes
  // bench.json. With N > 1 ranks "fold_wall_seconds" gives way to "cell_wall_seconds".
  Cluster* cluster = &single_process();
};

// Called as each cell's fold finishes (cell, fold, outcome).
using CellFoldCallback = std::function<void(const std::string&, int, const TrainOutcome&)>;

// Runs the comparison and writes bench.json and bench.md; returns bench.json's content (on the
// root; the other ranks of a cluster return null).
// InputError for an unknown cell name (before anything trains).
nlohmann::json compare_cells(const DatasetFile& dataset, const Config& recipe,
                             const CellComparisonOptions& options, const std::string& out_dir,
                             TrainingObserver* observer = nullptr,
                             const CellFoldCallback& on_fold = {});

// The one Markdown table (plus a short header) from bench.json.
std::string bench_markdown(const nlohmann::json& bench);

}  // namespace calmspace
