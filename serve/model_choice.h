// Which model answers the page's uploads: the base model the server was started with, or the
// person's own fine-tuned one (personal_model.h) when there is one and they chose it; either with
// the person's voice statistics folded in while they are enrolled (voice_profile.h,
// core/predict/voice_enrolment.h). Requests take a shared handle on the model in use when they
// start, so switching while an analysis runs is safe: it finishes on the model it began with, and
// the next request gets the new one. A live stream runs the model in use when it opens.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/features/feature_stats.h"
#include "core/run/checkpoint.h"
#include "serve/model_pool.h"

namespace calmspace::serve {

enum class ModelKind { base, personal };
const char* to_string(ModelKind kind);  // "base", "personal"

// How each model's pool is made: predictors and batching (ModelPool's arguments).
struct PoolShape {
  int workers = 1;
  int max_batch = 8;
  double batch_max_s = 8.0;
};

class ModelChoice {
 public:
  // `base_members`: one model or an ensemble's members.
  ModelChoice(std::vector<Checkpoint> base_members, PoolShape shape);

  // A model as served: its checkpoints (one, or an ensemble's members; what a live stream's
  // Predictor is made from) and its pool.
  struct Served {
    std::shared_ptr<const std::vector<Checkpoint>> members;
    std::shared_ptr<ModelPool> pool;
  };
  // The model in use now (never null), which one it is and whether the voice is folded in.
  struct InUse {
    std::shared_ptr<ModelPool> pool;
    std::shared_ptr<const std::vector<Checkpoint>> members;
    ModelKind kind = ModelKind::base;
    bool enrolled = false;
  };
  InUse current() const;
  ModelKind active() const;
  const ModelPool& base() const { return *base_.pool; }  // the plain base model
  std::span<const Checkpoint> base_members() const { return *base_.members; }
  bool has_personal() const;

  // A new personal model (replacing any earlier one); `use_it` makes it the one in use. Its pool
  // (and, while a voice is enrolled, its enrolled pool) is built before anything is switched.
  void set_personal(std::vector<Checkpoint> members, bool use_it);
  // No personal model any more: the base model answers.
  void drop_personal();
  // Switches; InputError when `kind` is personal and there is none.
  void use(ModelKind kind);

  // Why the base model cannot take a voice's statistics (not trained with
  // features.speaker_norm; an ensemble), or empty when it can.
  std::string why_not_enrol() const;
  // Folds `voice` into the base and personal models from now on (nullopt: the plain models
  // again). InputError as enrolled_model() (a model without speaker normalisation, statistics
  // of another feature count); nothing changes then.
  void set_voice(std::optional<FeatureStats> voice);
  bool enrolled() const;

 private:
  Served serve(std::vector<Checkpoint> members) const;
  // `members` with `voice` folded in, served.
  Served serve_with_voice(std::span<const Checkpoint> members, const FeatureStats& voice) const;

  PoolShape shape_;
  Served base_;
  // Set together with set_personal / set_voice (guarded by mutex_); a null pool: none.
  Served personal_;
  std::optional<FeatureStats> voice_;
  Served base_enrolled_, personal_enrolled_;
  ModelKind active_ = ModelKind::base;
  mutable std::mutex mutex_;
  std::mutex building_;  // one set_personal / set_voice at a time (they build outside mutex_)
};

}  // namespace calmspace::serve
