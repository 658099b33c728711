#include "core/train/trainer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/base/rng.h"
#include "core/cluster/dealing.h"
#include "core/dataset/batching.h"
#include "core/dataset/clip_source.h"
#include "core/dataset/splits.h"
#include "core/eval/evaluate.h"
#include "core/export/model_file.h"
#include "core/features/feature_stats.h"
#include "core/model/backend.h"
#include "core/model/loss.h"
#include "core/run/model_checkpoint.h"
#include "core/run/run_dir.h"
#include "core/train/data_parallel.h"
#include "core/train/data_parallel_step.h"
#include "core/train/ensemble.h"
#include "core/train/fine_tuning.h"
#include "core/train/mixup.h"
#include "core/train/optimizer.h"
#include "core/train/schedule.h"
#include "core/train/training_step.h"

namespace calmspace {
namespace {

// "960 training, 240 validation, 240 test clips (folds: test fold 0, validation fold 1)".
std::string describe_splits(const Splits& s) {
  std::string where;
  if (s.source == "corpus")
    where = s.valid_fold < 0
                ? cat(": test corpus ", s.test_fold, ", no validation fold")
                : cat(": test corpus ", s.test_fold, ", validation speaker fold ", s.valid_fold);
  else if (s.source == "folds")
    where = s.valid_fold < 0 ? cat(": test fold ", s.test_fold, ", no validation fold")
                             : cat(": test fold ", s.test_fold, ", validation fold ", s.valid_fold);
  return cat(s.train.size(), " training, ", s.valid.size(), " validation, ", s.test.size(),
             " test clips (", s.source, where, ")");
}

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Inverse class frequency of the training labels, scaled to mean 1 over present classes.
std::vector<float> inverse_frequency_weights(const std::vector<int>& labels, int num_classes) {
  std::vector<double> count(static_cast<std::size_t>(num_classes), 0.0);
  for (int y : labels) count[y] += 1;
  int present = 0;
  for (double c : count) present += c > 0;
  std::vector<float> w(count.size(), 1.0f);
  for (std::size_t c = 0; c < count.size(); ++c)
    if (count[c] > 0) w[c] = static_cast<float>(labels.size() / (present * count[c]));
  return w;
}

void write_history(const RunDir& run, const std::vector<EpochRecord>& history) {
  write_text_file_atomic(run.metrics_jsonl().string(), history_to_jsonl(history));
  write_text_file_atomic(run.metrics_csv().string(), history_to_csv(history));
}

// The training half of one epoch: returns mean loss, accuracy and mean gradient norm.
struct EpochTraining {
  double loss = 0, accuracy = 0, grad_norm = 0, seconds = 0;
};

// Running totals are read after every step when free (CPU), else every kLogEvery steps and at
// the end of the epoch (the GPU step's only host synchronisation).
constexpr std::size_t kLogEvery = 10;

// `groups`: the (corpus, class) group of each training position, for balanced sampling.
// Every rank of `cluster` draws the same plan and computes the features of its share only.
EpochTraining train_one_epoch(TrainingStep& step, ClipSource& source, const Config& config,
                              int epoch, std::span<const int> groups, TrainingObserver* observer,
                              const Cluster& cluster) {
  const auto start = Clock::now();
  const auto& t = config.train;
  // Frames of every position this epoch: what the batches are bucketed by and, with several
  // ranks, what my_rows balances.
  const std::vector<std::int64_t> frames = source.frames(epoch);
  BatchPlan plan;
  if (t.balanced_sampling) {  // batches of drawn positions, bucketed by their lengths
    const std::vector<std::size_t> drawn = balanced_draw(groups, t.seed, epoch);
    std::vector<std::int64_t> drawn_frames;
    drawn_frames.reserve(drawn.size());
    for (std::size_t p : drawn) drawn_frames.push_back(frames[p]);
    plan = bucketed_batches(drawn_frames, t.batch_size, t.seed, epoch);
    for (auto& batch : plan)
      for (std::size_t& member : batch) member = drawn[member];
  } else {
    plan = bucketed_batches(frames, t.batch_size, t.seed, epoch);
  }
  step.reset_totals();
  StepTotals totals;
  for (std::size_t k = 0; k < plan.size(); ++k) {
    const auto [first, end] = my_rows(plan[k], frames, cluster);
    const std::vector<std::size_t> members(plan[k].begin() + static_cast<std::ptrdiff_t>(first),
                                           plan[k].begin() + static_cast<std::ptrdiff_t>(end));
    Batch batch;  // empty when this rank's share of a small batch is nothing
    if (!members.empty() && config.augment.mixup_alpha > 0) {
      const MixupDraw draw =
          draw_mixup(plan[k].size(), config.augment.mixup_alpha, t.seed, epoch, k);
      batch = mixup_batch(source, plan[k], first, end, draw, epoch);
    } else if (!members.empty()) {
      const std::vector<FeatureMatrix> features = source.features(members, epoch);
      std::vector<const FeatureMatrix*> pointers;
      std::vector<int> labels;
      for (std::size_t i = 0; i < members.size(); ++i) {
        pointers.push_back(&features[i]);
        labels.push_back(source.labels()[members[i]]);
      }
      batch = pad_batch(pointers, labels, members);
    }
    batch.x.first_row = static_cast<std::int64_t>(first);
    const std::uint64_t dropout_seed = Rng({t.seed, 0xD0u, std::uint64_t(epoch), k}).next();
    step.run(batch, dropout_seed, epoch, k);
    const bool last = k + 1 == plan.size();
    if (!step.totals_are_free() && !last && (k + 1) % kLogEvery != 0) continue;
    totals = step.totals();
    if (!std::isfinite(totals.loss_sum))
      throw InputError("train.lr",
                       cat("training diverged: the loss is ", totals.loss_sum, " by epoch ",
                           epoch + 1, " batch ", k + 1, "; lower train.lr or set train.grad_clip"));
    if (observer)
      observer->on_batch(epoch + 1, t.epochs, int(k + 1), int(plan.size()),
                         totals.loss_sum / std::max<std::int64_t>(totals.seen, 1));
  }
  EpochTraining out;
  out.loss = totals.loss_sum / std::max<std::int64_t>(totals.seen, 1);
  out.accuracy = double(totals.correct) / std::max<std::int64_t>(totals.seen, 1);
  out.grad_norm = totals.grad_norm_sum / std::max<std::size_t>(plan.size(), 1);
  out.seconds = seconds_since(start);
  return out;
}

}  // namespace

TrainOutcome train_model(const DatasetFile& dataset, Config config, const std::string& run_dir,
                         bool resume, TrainingObserver* observer, Cluster& cluster) {
  if (resume ? RunDir(run_dir).is_ensemble() : config.train.ensemble > 1)
    return train_ensemble(dataset, std::move(config), run_dir, resume, observer, cluster);
  const RunDir run(run_dir);
  std::optional<Checkpoint> resumed;
  if (resume) {
    if (!fs::exists(run.last_checkpoint()))
      throw InputError(run_dir, "nothing to resume: no checkpoints/last.h5");
    resumed = load_checkpoint(run.last_checkpoint().string());
    config = resumed->config(run.last_checkpoint().string());
  }
  std::optional<Checkpoint> base;  // train.init: the model fine-tuning starts from
  if (!resumed && !config.train.init.empty()) {
    base = load_model_checkpoint(config.train.init);
    config = fine_tuning_config(*base, std::move(config));
  }
  config.validate();
  check_config_folds(dataset.header(), config.data, dataset.path());
  if (base) check_fine_tuning_labels(dataset, *base, LabelMap(config.data.label_map));
  const ResolvedDevice where =
      resolve_model_device(config.model, config.train.device);  // before writing anything
  const std::size_t frozen =
      frozen_weights(config.model, model_input_dim(config),
                     static_cast<int>(dataset.label_names().size()), config.train.trainable);
  if (frozen > 0 && where.cuda)
    throw InputError("train.trainable",
                     "freezing layers runs on the CPU backend only (the CUDA step updates every "
                     "weight); set train.device=cpu");
  if (where.cuda && config.augment.mixup_alpha > 0)
    throw InputError("augment.mixup_alpha",
                     "mixup trains on the CPU backend only for now (the CUDA loss kernel takes "
                     "one label per clip); set train.device=cpu, or augment.mixup_alpha=0");
  if (cluster.size() > 1 && where.cuda && config.model.dropout > 0)
    throw InputError("model.dropout",
                     "data-parallel training on the GPU would draw the same dropout masks on "
                     "every rank (cuDNN's generator is seeded by train.seed, not by the clip); "
                     "set model.dropout=0, or train.device=cpu");
  const bool parallel = cluster.size() > 1;
  const bool root = cluster.is_root();  // writes the run directory, tells the observer
  if (!root) observer = nullptr;
  if (root) {
    fs::create_directories(run.checkpoints());
    write_text_file_atomic(run.config().string(), config.to_yaml());
  }

  const auto& t = config.train;
  const Splits splits = make_splits(dataset, t, config.data.fold_by);
  ClipSource train_source(dataset, config, splits.train, /*augment=*/true);
  ClipSource valid_source(dataset, config, splits.valid, /*augment=*/false);
  // Data-parallel ranks read only their shares: of each batch (the training source caches
  // nothing), of the statistics pass and of the validation clips. Speaker-level normalisation
  // needs every clip of a speaker in one place, so with it every rank reads the whole split.
  const bool sharded = cluster.size() > 1 && config.features.speaker_norm == Cmvn::None;
  std::optional<ClipSource> my_valid;
  if (sharded) {
    train_source.set_cache_clean(false);
    std::vector<std::size_t> mine;
    for (const std::size_t k : my_share(splits.valid.size(), cluster))
      mine.push_back(splits.valid[k]);
    my_valid.emplace(dataset, config, std::move(mine), /*augment=*/false);
  }
  const auto& labels = dataset.label_names();
  const int C = static_cast<int>(labels.size());
  std::vector<int> groups;  // (corpus, class) of each training position
  for (std::size_t i : splits.train)
    groups.push_back(dataset.clips()[i].corpus * C + dataset.clips()[i].label);

  auto model = make_sequence_model(config.model, model_input_dim(config), C, t.seed, t.compute());
  model->set_num_threads(t.num_threads);
  LrSchedule schedule(t);
  TrainingState state;
  std::vector<EpochRecord> history;
  if (resumed) {
    std::copy(resumed->weights.begin(), resumed->weights.end(), model->weights().begin());
    model->set_input_norm(resumed->norm_mean, resumed->norm_std);
    state = resumed->state;
    schedule.set_plateau_lr(state.plateau_lr);
    history = history_from_json(state.metrics_history);
  } else if (base) {  // fine-tuning: the base model's weights and input normalisation
    CALMSPACE_CHECK(base->weights.size() == model->weights().size(), "train.init has ",
                    base->weights.size(), " weights, the model ", model->weights().size());
    std::copy(base->weights.begin(), base->weights.end(), model->weights().begin());
    model->set_input_norm(base->norm_mean, base->norm_std);
  } else if (config.model.input_norm) {
    const FeatureStats stats =
        sharded ? feature_stats_on_ranks(train_source, model_input_dim(config), cluster)
                : compute_feature_stats(train_source.clean_features());
    model->set_input_norm(stats.mean, stats.std);
  } else {
    const int F = model_input_dim(config);
    const std::vector<float> zero(F, 0.0f), one(F, 1.0f);
    model->set_input_norm(zero, one);
  }
  // train.init_mix < 1: the kept model is mixed back towards the init, kept in the run (a resumed
  // run's checkpoints hold the trained weights, and train.init's file may have changed since).
  std::vector<float> init_weights;
  if (t.init_mix != 1 && !t.init.empty()) {
    if (base) {
      init_weights = base->weights;
      if (root) save_checkpoint(run.init_checkpoint().string(), *base);
    } else {
      init_weights = load_checkpoint(run.init_checkpoint().string()).weights;
    }
  }
  TrainStepConfig step_config;
  step_config.adam = AdamConfig::from(t);
  step_config.adam.frozen = frozen;
  step_config.grad_clip = t.grad_clip;
  if (t.class_weights)
    step_config.class_weights = inverse_frequency_weights(train_source.labels(), C);
  DataParallelStep* data_parallel = nullptr;
  std::unique_ptr<TrainingStep> step;
  if (parallel) {
    auto dp = std::make_unique<DataParallelStep>(*model, step_config, cluster);
    data_parallel = dp.get();
    step = std::move(dp);
  } else {
    step = make_training_step(*model, step_config);
  }
  if (resumed)
    step->set_optimizer_state({state.optimizer_m, state.optimizer_v, state.optimizer_step});
  const std::string tuning = t.init.empty()
                                 ? ""
                                 : cat("; fine-tuning ", t.init,
                                       " (trainable: ", enum_name(trainable_table(), t.trainable),
                                       ", ", model->weights().size() - frozen, " weights",
                                       t.init_mix != 1 ? cat(", kept mix ", t.init_mix) : "", ")");
  if (observer)
    observer->on_start(
        cat(describe_splits(splits), tuning, "; ", model->weights().size(), " parameters; backend ",
            model->backend_name(), " on ", where.description, "; features ",
            train_source.uses_stored_features()
                ? "stored in the dataset"
                : "on " + resolve_device(config.feature_device(), "features.device").description));

  TrainOutcome outcome;
  outcome.run_dir = run_dir;
  nlohmann::json parallel_log = nlohmann::json::array();  // data_parallel.json's epochs
  for (int epoch = static_cast<int>(state.epoch); epoch < t.epochs; ++epoch) {
    if (t.patience > 0 && state.epochs_without_improvement >= t.patience) break;
    const auto start = Clock::now();
    const double lr = schedule.lr_for_epoch(epoch, int(state.epochs_without_improvement));
    step->set_lr(lr);
    if (data_parallel) data_parallel->reset_times();
    const EpochTraining trained =
        train_one_epoch(*step, train_source, config, epoch, groups, observer, cluster);
    if (data_parallel) {
      check_same_weights(model->weights(), cluster, epoch);
      parallel_log.push_back(epoch_times(*data_parallel, cluster, epoch, trained.seconds));
    }

    EpochRecord record;
    record.epoch = epoch + 1;
    record.lr = lr;
    record.train_loss = trained.loss;
    record.train_accuracy = trained.accuracy;
    record.grad_norm = trained.grad_norm;
    record.clips_per_s = splits.train.size() / std::max(trained.seconds, 1e-9);
    // The weights as trained, while the model holds the mix that validation scores and best.h5
    // keeps (train.init_mix); put back before last.h5 and the next epoch.
    std::vector<float> trained_weights;
    if (!init_weights.empty()) {
      const std::span<float> w = model->weights();
      trained_weights.assign(w.begin(), w.end());
      mix_towards_init(model->weights(), init_weights, t.init_mix);
    }
    bool improved = false;
    if (valid_source.size() > 0) {
      const Metrics valid =
          sharded ? validation_on_ranks(*model, *my_valid, labels, t.batch_size, cluster)
                  : evaluate_model(*model, valid_source, labels, t.batch_size).metrics;
      record.valid_loss = valid.loss;
      record.valid_wa = valid.wa;
      record.valid_ua = valid.ua;
      record.valid_macro_f1 = valid.macro_f1;
      improved = state.best_epoch < 0 || valid.ua > state.best_valid_ua;
    } else {
      record.valid_loss = record.valid_wa = record.valid_ua = record.valid_macro_f1 = NAN;
      improved = true;  // no validation split: the last epoch is the best
    }
    record.seconds = seconds_since(start);
    history.push_back(record);

    state.epoch = epoch + 1;
    state.lr = lr;
    state.plateau_lr = schedule.plateau_lr();
    AdamState adam = step->optimizer_state();
    state.global_step = adam.step;
    if (improved) {
      state.best_epoch = epoch + 1;
      state.best_valid_ua = valid_source.size() > 0 ? record.valid_ua : NAN;
      state.epochs_without_improvement = 0;
    } else {
      ++state.epochs_without_improvement;
    }
    state.optimizer_m = std::move(adam.m);
    state.optimizer_v = std::move(adam.v);
    state.optimizer_step = adam.step;
    state.metrics_history = history_to_json(history);
    if (root && improved && !trained_weights.empty())
      save_checkpoint(run.best_checkpoint().string(), checkpoint_of(*model, config, labels, state));
    if (!trained_weights.empty())
      std::copy(trained_weights.begin(), trained_weights.end(), model->weights().begin());
    if (root) {
      const Checkpoint checkpoint = checkpoint_of(*model, config, labels, state);
      if (improved && trained_weights.empty())
        save_checkpoint(run.best_checkpoint().string(), checkpoint);
      save_checkpoint(run.last_checkpoint().string(),
                      checkpoint);  // last: a resume always finds the best
      write_history(run, history);
      if (data_parallel) write_parallel_log(run, parallel_log, cluster, *data_parallel);
    }
    if (observer) observer->on_epoch(record, improved);
  }
  outcome.history = history;
  outcome.best_epoch = static_cast<int>(state.best_epoch);
  outcome.best_valid_ua = state.best_valid_ua;
  outcome.stopped_early =
      state.epoch < t.epochs && t.patience > 0 && state.epochs_without_improvement >= t.patience;

  // The best checkpoint on the test split (the root's work).
  if (!root) return outcome;
  if (!splits.test.empty() && fs::exists(run.best_checkpoint())) {
    const Checkpoint best = load_checkpoint(run.best_checkpoint().string());
    auto best_model = model_from_checkpoint(best, t.compute());
    best_model->set_num_threads(t.num_threads);
    // A test corpus is scored on the classes it shares with the training split
    // (leave-one-corpus-out: the held-out corpus may lack some, or have one no other corpus has).
    Scoring scoring;
    scoring.classes = shared_trained_classes(dataset, splits.train, splits.test);
    if (scoring.classes.empty())
      throw InputError(dataset.path(), "the test split shares no class with the training split");
    if (scoring.classes.size() == labels.size()) scoring.classes.clear();
    // Clips of a class not scored (RAVDESS's calm, held out, that no training corpus teaches) are
    // left out of the test and counted.
    std::vector<std::size_t> test_clips;
    std::map<std::string, std::int64_t> clips_left_out;
    std::vector<char> scored(labels.size(), scoring.classes.empty() ? 1 : 0);
    for (const int c : scoring.classes) scored[static_cast<std::size_t>(c)] = 1;
    for (const std::size_t i : splits.test) {
      const auto label = static_cast<std::size_t>(dataset.clips()[i].label);
      if (scored[label])
        test_clips.push_back(i);
      else
        ++clips_left_out[labels[label]];
    }
    ClipSource test_source(dataset, config, test_clips, /*augment=*/false);
    const Evaluation test = evaluate_model(*best_model, test_source, labels, t.batch_size, scoring);
    outcome.test = test.metrics;
    nlohmann::json extra = {{"split", "test"},
                            {"test_fold", splits.test_fold},
                            {"best_epoch", state.best_epoch},
                            {"checkpoint", RunDir::kBestCheckpointName}};
    if (config.data.fold_by == FoldBy::Corpus)
      extra["test_corpus"] = dataset.header().corpus_names[splits.test_fold];
    if (!t.init.empty()) extra["init"] = t.init;
    if (!t.speaker_independent && splits.source == "csv") extra["speaker_independent"] = false;
    if (!test.classes_left_out.empty()) extra["classes_left_out"] = test.classes_left_out;
    if (!clips_left_out.empty()) extra["clips_left_out"] = clips_left_out;
    write_report_json(run.report_json().string(), outcome.test, extra.dump());
    write_report_csv(run.report_csv().string(), outcome.test);
  }
  return outcome;
}

}  // namespace calmspace
