#include "serve/personal_model.h"

#include <cstdio>
#include <filesystem>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/config/config.h"
#include "core/dataset/corpus.h"
#include "core/dataset/dataset_file.h"
#include "core/dataset/prepare.h"
#include "core/eval/evaluate.h"
#include "core/export/export_safetensors.h"
#include "core/export/model_file.h"
#include "core/run/run_dir.h"
#include "core/train/fine_tuning.h"
#include "core/train/trainer.h"
#include "serve/history_export.h"
#include "serve/json_response.h"

namespace calmspace::serve {
namespace fs = std::filesystem;

namespace {

// Thrown from the observer when the server stops mid-training.
struct TrainingStopped {};

std::uint64_t fnv1a(std::uint64_t h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// Right answers and UA of `checkpoint` on the held-out ("valid") clips of `dataset`.
nlohmann::json held_out_score(const DatasetFile& dataset, const Checkpoint& checkpoint,
                              int threads) {
  const Evaluation e = evaluate_checkpoint(dataset, checkpoint, "valid", threads);
  std::int64_t right = 0;
  for (std::size_t i = 0; i < e.predicted.size(); ++i) right += e.predicted[i] == e.truth[i];
  return {{"right", right}, {"ua", e.metrics.ua}};
}

}  // namespace

std::string fingerprint_hex(std::uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

std::uint64_t model_fingerprint(std::span<const Checkpoint> members) {
  std::uint64_t h = 14695981039346656037ull;
  for (const Checkpoint& m : members) {
    for (const std::string& label : m.labels) h = fnv1a(h, label.data(), label.size() + 1);
    h = fnv1a(h, m.config_yaml.data(), m.config_yaml.size());
    h = fnv1a(h, m.weights.data(), m.weights.size() * sizeof(float));
    h = fnv1a(h, m.norm_mean.data(), m.norm_mean.size() * sizeof(float));
    h = fnv1a(h, m.norm_std.data(), m.norm_std.size() * sizeof(float));
  }
  return h;
}

PersonalModel::PersonalModel(HistoryStore& store, ModelChoice& choice,
                             std::span<const Checkpoint> base_members, std::string base_path,
                             const std::string& data_dir, PersonalOptions options)
    : store_(store),
      choice_(choice),
      base_(base_members.begin(), base_members.end()),
      base_path_(std::move(base_path)),
      folder_((fs::path(data_dir) / "personal").string()),
      base_fingerprint_(model_fingerprint(base_members)),
      options_(std::move(options)) {
  // A personal model is optional: one that cannot be used (missing, made from another base
  // model, unreadable, or weights that are not the ones model.json describes) is left unloaded,
  // and a new training replaces it; the server starts either way.
  const fs::path folder(folder_);
  const nlohmann::json info = read_json_file((folder / "model.json").string());
  const auto text = [&info](const char* key) {
    return info.is_object() && info.contains(key) && info[key].is_string()
               ? info[key].get<std::string>()
               : std::string();
  };
  std::error_code ec;
  if (text("base_fingerprint") != fingerprint_hex(base_fingerprint_) ||
      !fs::exists(folder / "model.safetensors", ec))
    return;
  try {
    std::vector<Checkpoint> personal = load_model_members((folder / "model.safetensors").string());
    if (text("personal_fingerprint") != fingerprint_hex(model_fingerprint(personal)))
      throw InputError((folder / "model.safetensors").string(),
                       "is not the model model.json describes");
    choice_.set_personal(std::move(personal), text("active") == "personal");
    info_ = info;
    state_ = "done";
  } catch (const std::exception& e) {
    state_ = "failed";
    error_ = cat("the personal model in the data folder could not be loaded (", e.what(),
                 "); learn again to replace it");
  }
}

PersonalModel::~PersonalModel() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string PersonalModel::why_not_train(std::int64_t corrections) const {
  if (base_.size() != 1)
    return "the server's model is an ensemble; fine-tuning starts from a single model";
  if (corrections < options_.min_corrections)
    return cat("label at least ", options_.min_corrections, " analyses first (", corrections,
               " so far): mark each one right or correct it");
  return "";
}

nlohmann::json PersonalModel::status() {
  const std::int64_t corrections = store_.labelled_count();
  const std::lock_guard lock(mutex_);
  const std::string why = running_ ? "a training is running" : why_not_train(corrections);
  nlohmann::json training = {{"state", state_},
                             {"stage", stage_},
                             {"epoch", epoch_},
                             {"epochs", epochs_},
                             {"error", error_}};
  return {{"corrections", corrections},
          {"needed", options_.min_corrections},
          {"can_train", why.empty()},
          {"why_not", why},
          {"active", to_string(choice_.active())},
          {"model", info_},
          {"training", training}};
}

void PersonalModel::start_training() {
  const std::int64_t corrections = store_.labelled_count();
  const std::lock_guard lock(mutex_);
  if (running_) throw InputError("training", "a training is already running");
  if (const std::string why = why_not_train(corrections); !why.empty())
    throw InputError("personal", why);
  if (thread_.joinable()) thread_.join();  // the previous one, finished
  running_ = true;
  try {
    thread_ = std::thread([this] { run_training(); });
  } catch (...) {
    running_ = false;
    throw;
  }
  state_ = "running";
  stage_ = "exporting";
  error_.clear();
  epoch_ = epochs_ = 0;
}

void PersonalModel::wait() {
  std::thread finished;
  {
    const std::lock_guard lock(mutex_);
    finished = std::move(thread_);
  }
  if (finished.joinable()) finished.join();
}

void PersonalModel::run_training() {
  std::string state = "done", error;
  try {
    train_steps();
  } catch (const TrainingStopped&) {
    state = "stopped";
  } catch (const std::exception& e) {
    state = "failed";
    error = e.what();
  }
  // The scratch holds copies of the person's recordings: never left behind.
  std::error_code ec;
  fs::remove_all(fs::path(folder_) / "work", ec);
  const std::lock_guard lock(mutex_);
  running_ = false;
  state_ = state;
  error_ = error;
  stage_.clear();
}

void PersonalModel::train_steps() {
  struct Progress : TrainingObserver {
    PersonalModel& owner;
    explicit Progress(PersonalModel& o) : owner(o) {}
    void on_batch(int epoch, int epochs, int, int, double) override {
      if (owner.stop_) throw TrainingStopped{};
      const std::lock_guard lock(owner.mutex_);
      owner.epoch_ = epoch - 1;
      owner.epochs_ = epochs;
    }
    void on_epoch(const EpochRecord& record, bool) override {
      const std::lock_guard lock(owner.mutex_);
      owner.epoch_ = static_cast<int>(record.epoch);
    }
  };
  const auto set_stage = [this](const char* stage) {
    if (stop_) throw TrainingStopped{};
    const std::lock_guard lock(mutex_);
    stage_ = stage;
  };
  if (options_.on_start) options_.on_start();
  const fs::path folder(folder_), work = fs::path(folder_) / "work";
  fs::remove_all(work);  // an earlier training's scratch (ours alone)
  fs::create_directories(work);

  // 1. The labelled analyses as a manifest with FLAC files (newest share of each label held out).
  ExportOptions exported;
  exported.holdout = options_.holdout;
  const ExportReport report =
      export_corrections(store_, (work / "corrections.csv").string(), exported);

  // 2. Prepared with the base model's labels, audio and features.
  set_stage("preparing");
  const Checkpoint& base = base_.front();
  // Resolved with train.init, which options such as train.init_mix and train.trainable need.
  std::vector<std::string> overrides = options_.overrides;
  overrides.insert(overrides.begin(), "train.init=" + yaml_quoted(base_path_));
  Config config = fine_tuning_config(base, resolve_config(options_.recipe, overrides));
  config.data.labels = base.labels;
  config.data.store_features = false;
  config.train.init = base_path_;
  config.train.num_threads = options_.threads;
  config.data.num_threads = options_.threads;  // the server's workers keep the other cores
  config.features.num_threads = options_.threads;
  const std::string data_path = (work / "corrections.h5").string();
  prepare_dataset(list_corpus("csv", report.manifest), config, data_path);
  const DatasetFile dataset(data_path);

  // 3. Fine-tuned from the base model.
  set_stage("training");
  Progress progress(*this);
  const RunDir run((work / "run").string());
  train_model(dataset, config, run.str(), /*resume=*/false, &progress);
  // The last epoch, not the best on the held-out clips: they score it below, so they must not
  // also have chosen it; mixed back towards the base as the recipe's train.init_mix says
  // (last.h5 holds the weights as trained).
  Checkpoint personal = load_checkpoint(run.last_checkpoint().string());
  if (config.train.init_mix != 1)
    mix_towards_init(personal.weights, base.weights, config.train.init_mix);

  // 4. Both on the held-out corrections (the base model's weights in the personal run's config,
  //    so both see the same split).
  set_stage("comparing");
  nlohmann::json info = {{"base_fingerprint", fingerprint_hex(base_fingerprint_)},
                         {"base_model", base_path_},
                         {"trained_at", now_iso8601()},
                         {"corrections", report.written},
                         {"held_out", report.held_out},
                         {"epochs", config.train.epochs},
                         {"base_right", nullptr},
                         {"personal_right", nullptr},
                         {"base_ua", nullptr},
                         {"personal_ua", nullptr},
                         {"active", "base"}};
  if (report.held_out > 0) {
    Checkpoint base_on_split = personal;
    base_on_split.weights = base.weights;
    base_on_split.norm_mean = base.norm_mean;
    base_on_split.norm_std = base.norm_std;
    const nlohmann::json b = held_out_score(dataset, base_on_split, options_.threads);
    const nlohmann::json p = held_out_score(dataset, personal, options_.threads);
    info["base_right"] = b["right"];
    info["base_ua"] = b["ua"];
    info["personal_right"] = p["right"];
    info["personal_ua"] = p["ua"];
  }

  // 5. Saved, then offered. Whichever model the person uses stays in use: the base model, or
  //    (when they chose their own before) the new personal one, which replaces the old.
  if (stop_) throw TrainingStopped{};
  // The weights first, then model.json naming them: a failure in between leaves weights that
  // model.json does not describe, which the next start does not load.
  export_safetensors(personal, (folder / "model.safetensors").string());
  std::vector<Checkpoint> members = load_model_members((folder / "model.safetensors").string());
  info["personal_fingerprint"] = fingerprint_hex(model_fingerprint(members));
  {
    const std::lock_guard lock(mutex_);
    info["active"] = to_string(choice_.active());
    write_model_json(info);
    choice_.set_personal(std::move(members), choice_.active() == ModelKind::personal);
    info_ = info;
  }
}

void PersonalModel::write_model_json(const nlohmann::json& info) {
  write_text_file_atomic((fs::path(folder_) / "model.json").string(), info.dump(2) + "\n");
}

void PersonalModel::use(ModelKind kind) {
  const std::lock_guard lock(mutex_);
  if (kind == ModelKind::personal && !choice_.has_personal())
    throw InputError("model", "there is no personal model yet: learn from your corrections first");
  if (!info_.is_null()) {  // remembered with the model (nothing to remember without one)
    nlohmann::json info = info_;
    info["active"] = to_string(kind);
    write_model_json(info);  // before switching: a failed write switches nothing
    info_ = info;
  }
  choice_.use(kind);
}

void PersonalModel::forget() {
  const std::lock_guard lock(mutex_);
  if (running_) throw InputError("personal", "a training is running; wait for it to end");
  choice_.drop_personal();
  std::error_code ec;
  fs::remove(fs::path(folder_) / "model.json", ec);
  fs::remove(fs::path(folder_) / "model.safetensors", ec);
  fs::remove_all(fs::path(folder_) / "work", ec);
  info_ = nullptr;
  state_ = "idle";
}

}  // namespace calmspace::serve
