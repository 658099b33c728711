// "Learn from my corrections" (issue 25): the person's own model, fine-tuned in the background from
// the analyses they labelled in the page, kept in the data folder beside the history, and offered
// beside the base model (model_choice.h). The base model file is never touched.
//   DATA/personal/model.safetensors  the personal model (written atomically)
//   DATA/personal/model.json         what it was made from and how it compares (below)
//   DATA/personal/work/              scratch of a training: the corrections exported as a
//                                    manifest with FLAC files (history_export.h), the prepared
//                                    dataset and the run directory; removed when it succeeds
// A training: export the labelled analyses, holding out the newest share of each label's clips
// -> prepare them with the base model's labels and audio -> `train --init BASE` with the
// fine-tuning recipe (configs/finetune.yaml), on `threads` threads; its last epoch is the model
// (the held-out clips never choose it) -> both models on the held-out clips -> the personal model
// is saved and offered, the base model stays in use until the person switches. The scratch is
// removed however the training ends. Deleting DATA forgets all of it.
// model.json: {base_fingerprint, personal_fingerprint, base_model, trained_at, corrections,
//   held_out, epochs, base_right, personal_right, base_ua, personal_ua, active}; *_right / *_ua
//   are null when no clip was held out (every label had one correction). A personal model made
//   from another base model (the server started with another --model), or whose weights are not
//   the ones model.json names, is not loaded (the status says why); a new training replaces it.
// Stopping the server stops a training at its next batch (exporting and preparing a person's
// few dozen corrections run to their end first).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/run/checkpoint.h"
#include "serve/history_store.h"
#include "serve/model_choice.h"

namespace calmspace::serve {

struct PersonalOptions {
  std::string recipe;                  // the fine-tuning config (configs/finetune.yaml)
  std::vector<std::string> overrides;  // section.key=value on top of it
  int min_corrections = 10;            // labelled analyses before a training is offered
  double holdout = 0.25;               // share of each label's corrections held out
  int threads = 1;                     // training threads (the server keeps answering)
  std::function<void()> on_start;      // tests: runs first on the training's thread
};

class PersonalModel {
 public:
  // Loads DATA/personal's model when it was made from this base model (`base_members`, read from
  // `base_path`) and puts it in `choice` (in use if the person last chose it).
  PersonalModel(HistoryStore& store, ModelChoice& choice, std::span<const Checkpoint> base_members,
                std::string base_path, const std::string& data_dir, PersonalOptions options);
  ~PersonalModel();  // a running training stops at its next batch; joined
  PersonalModel(const PersonalModel&) = delete;
  PersonalModel& operator=(const PersonalModel&) = delete;

  // {corrections, needed, can_train, why_not, active, model: null or model.json's fields,
  //  training: {state: idle|running|done|failed|stopped, stage, epoch, epochs, error}}
  nlohmann::json status();

  // Starts a training in the background. InputError("training", ...) when one is running;
  // InputError("personal", reason) when the base model is an ensemble or there are fewer than
  // min_corrections labelled analyses.
  void start_training();
  // Switches between the base and the personal model, remembered in model.json (written first).
  // InputError("model", ...) when there is no personal model to use; InputError(path, ...) when
  // model.json cannot be written (nothing switched).
  void use(ModelKind kind);
  // Deletes the personal model (the base model answers again); InputError while training.
  void forget();
  // Waits until no training runs (tests, shutdown).
  void wait();

 private:
  void run_training();
  void train_steps();
  void write_model_json(const nlohmann::json& info);
  std::string why_not_train(std::int64_t corrections) const;

  HistoryStore& store_;
  ModelChoice& choice_;
  std::vector<Checkpoint> base_;
  std::string base_path_, folder_;
  std::uint64_t base_fingerprint_ = 0;
  PersonalOptions options_;

  std::mutex mutex_;     // guards what follows
  nlohmann::json info_;  // model.json of the loaded personal model, or null
  std::string state_ = "idle", stage_, error_;
  int epoch_ = 0, epochs_ = 0;
  bool running_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// 64-bit FNV-1a over a model's labels, config and weights: which base a personal model came from.
std::uint64_t model_fingerprint(std::span<const Checkpoint> members);
// A fingerprint as the JSON files store it: 16 lower-case hex digits.
std::string fingerprint_hex(std::uint64_t fingerprint);

}  // namespace calmspace::serve
