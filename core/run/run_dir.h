// The run directory, the one place its layout is spelled: what `train`, `cv`, `bench` and `eval`
// write and `predict`, `eval`, `export`, `plot` and `serve` read.
//   RUN/config.yaml              the resolved config
//   RUN/metrics.jsonl, .csv      one record per finished epoch (core/train/epoch_record.h)
//   RUN/checkpoints/best.h5      the best epoch (validation UA), last.h5 the last, init.h5 the
//   model train.init_mix mixes towards
//   (core/run/checkpoint.h) RUN/report.json, .csv        the best checkpoint on the test split
//   (core/eval/metrics.h) RUN/data_parallel.json  time per rank of a data-parallel run
//   RUN/member_<k>/              an ensemble's member k, a run directory of
//   its own CV/fold_<k>/, CV/cv.json     cross-validation: one run directory per fold, and the
//   summary BENCH/bench.json             `calmspace bench`'s cell comparison DIR/plots/ figures
//   drawn for DIR
#pragma once

#include <filesystem>
#include <string>

namespace calmspace {

class RunDir {
 public:
  explicit RunDir(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const std::filesystem::path& path() const { return dir_; }
  std::string str() const { return dir_.string(); }

  std::filesystem::path config() const { return dir_ / "config.yaml"; }
  std::filesystem::path metrics_jsonl() const { return dir_ / "metrics.jsonl"; }
  std::filesystem::path metrics_csv() const { return dir_ / "metrics.csv"; }
  std::filesystem::path checkpoints() const { return dir_ / "checkpoints"; }
  std::filesystem::path best_checkpoint() const { return checkpoints() / "best.h5"; }
  std::filesystem::path last_checkpoint() const { return checkpoints() / "last.h5"; }
  // train.init_mix < 1: the init model the kept weights are mixed towards (trainer.cpp), so that
  // a resumed run mixes towards the same weights whatever happened to train.init's file since.
  std::filesystem::path init_checkpoint() const { return checkpoints() / "init.h5"; }
  std::filesystem::path report_json() const { return dir_ / "report.json"; }
  std::filesystem::path report_csv() const { return dir_ / "report.csv"; }
  std::filesystem::path plots() const { return dir_ / "plots"; }
  // How the ranks of a data-parallel run spent each epoch (core/train/trainer.cpp).
  std::filesystem::path data_parallel_json() const { return dir_ / "data_parallel.json"; }
  RunDir member(int k) const;  // RUN/member_<k>
  RunDir fold(int k) const;    // CV/fold_<k>
  std::filesystem::path cv_json() const { return dir_ / "cv.json"; }
  std::filesystem::path bench_json() const { return dir_ / "bench.json"; }

  // The best checkpoint's path as the report names it, relative to the run directory.
  static constexpr const char* kBestCheckpointName = "checkpoints/best.h5";

  // True when this holds an ensemble: a member_0 folder, or (killed before its first member
  // started) a config.yaml with train.ensemble > 1 and no checkpoints of its own.
  bool is_ensemble() const;

 private:
  std::filesystem::path dir_;
};

}  // namespace calmspace
