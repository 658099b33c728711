#include "core/train/ensemble.h"

#include <cmath>
#include <filesystem>
#include <vector>

#include "core/base/atomic_file.h"
#include "core/cluster/dealing.h"
#include "core/dataset/splits.h"
#include "core/eval/evaluate.h"
#include "core/run/checkpoint.h"
#include "core/run/run_dir.h"

namespace calmspace {
namespace {

namespace fs = std::filesystem;

// Makes the observer's summary line say which member is training.
class MemberObserver : public TrainingObserver {
 public:
  MemberObserver(TrainingObserver* inner, int member, int members)
      : inner_(inner), prefix_(cat("ensemble member ", member + 1, "/", members, ": ")) {}
  void on_start(const std::string& summary) override {
    if (inner_) inner_->on_start(prefix_ + summary);
  }
  void on_batch(int epoch, int epochs, int done, int total, double running_loss) override {
    if (inner_) inner_->on_batch(epoch, epochs, done, total, running_loss);
  }
  void on_epoch(const EpochRecord& record, bool improved) override {
    if (inner_) inner_->on_epoch(record, improved);
  }

 private:
  TrainingObserver* inner_;
  std::string prefix_;
};

}  // namespace

Config ensemble_member_config(const Config& config, int member, const DatasetFile& dataset) {
  Config c = config;
  c.train.seed = config.train.seed + static_cast<std::uint64_t>(member);
  c.train.ensemble = 1;
  c.train.ensemble_rotate_valid = false;
  if (config.train.ensemble_rotate_valid) {
    const Splits base = make_splits(dataset, config.train, config.data.fold_by);
    if (base.source != "folds")
      throw InputError(
          "train.ensemble_rotate_valid",
          cat(dataset.path(), " is split by ", base.source, ", not by speaker folds to rotate"));
    const int folds = dataset.header().num_folds;
    std::vector<int> order;  // every fold but the test fold, from the validation fold on
    for (int j = 0; j < folds; ++j)
      if ((base.valid_fold + j) % folds != base.test_fold)
        order.push_back((base.valid_fold + j) % folds);
    c.train.valid_fold = order[static_cast<std::size_t>(member) % order.size()];
  }
  return c;
}

void start_ensemble_dir(Config config, const std::string& run_dir) {
  config.validate();
  const RunDir dir(run_dir);
  fs::create_directories(dir.path());
  write_text_file_atomic(dir.config().string(), config.to_yaml());
}

TrainOutcome train_ensemble(const DatasetFile& dataset, Config config, const std::string& run_dir,
                            bool resume, TrainingObserver* observer, Cluster& cluster) {
  const RunDir dir(run_dir);
  if (resume) {
    if (!fs::exists(dir.config())) throw InputError(run_dir, "nothing to resume: no config.yaml");
    config = resolve_config(dir.config().string(), {});
  }
  config.validate();
  cluster.idle_barrier();  // every rank has read a stored config before the root writes it again
  if (cluster.is_root()) start_ensemble_dir(config, run_dir);

  const int members = config.train.ensemble;
  for (const std::size_t j : my_share(static_cast<std::size_t>(members), cluster)) {
    const int k = static_cast<int>(j);
    const RunDir member = dir.member(k);
    if (resume && fs::exists(member.report_json())) continue;  // done
    const bool started = resume && fs::exists(member.last_checkpoint());
    MemberObserver member_observer(observer, k, members);
    train_model(dataset, ensemble_member_config(config, k, dataset), member.str(), started,
                &member_observer);
  }
  cluster.idle_barrier();
  if (!cluster.is_root()) {
    TrainOutcome mine;
    mine.run_dir = run_dir;
    mine.ensemble = members;
    return mine;
  }

  std::vector<Checkpoint> best;
  for (int k = 0; k < members; ++k) {
    const RunDir member = dir.member(k);
    const fs::path best_path = member.best_checkpoint();
    if (!fs::exists(best_path))
      throw InputError(member.str(), "the member finished without a best checkpoint");
    best.push_back(load_checkpoint(best_path.string()));
  }

  TrainOutcome outcome;
  outcome.run_dir = run_dir;
  outcome.ensemble = members;
  const int threads = config.train.num_threads;
  if (config.train.ensemble_rotate_valid) {  // no common validation split: the members' mean
    for (const Checkpoint& c : best) outcome.best_valid_ua += c.state.best_valid_ua / members;
  } else if (make_splits(dataset, config.train, config.data.fold_by).valid.empty()) {
    outcome.best_valid_ua = NAN;
  } else {
    outcome.best_valid_ua = evaluate_checkpoints(dataset, best, "valid", threads).metrics.ua;
  }
  const Evaluation test = evaluate_checkpoints(dataset, best, "test", threads);
  if (!test.predicted.empty()) {
    outcome.test = test.metrics;
    const std::string extra = cat(
        "{\"split\": \"test\", \"test_fold\": ",
        make_splits(dataset, config.train, config.data.fold_by).test_fold,
        ", \"ensemble\": ", members, ", \"valid_ua\": ",
        std::isnan(outcome.best_valid_ua) ? std::string("null") : cat(outcome.best_valid_ua), "}");
    write_report_json(dir.report_json().string(), outcome.test, extra);
    write_report_csv(dir.report_csv().string(), outcome.test);
  }
  return outcome;
}

}  // namespace calmspace
