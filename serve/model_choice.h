// Which model answers the page's uploads: the base model the server was started with, or the
// person's own fine-tuned one (personal_model.h) when there is one and they chose it; either with
// the person's voice statistics folded in while they are enrolled (voice_profile.h,
// core/predict/voice_enrolment.h). Requests take a shared handle on the model in use when they
// start, so switching while an analysis runs is safe: it finishes on the model it began with, and
// the next request gets the new one. Live streams keep the plain base model (their predictors are
// made when the server starts).
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

  // The model in use now (never null), which one it is and whether the voice is folded in.
  struct InUse {
    std::shared_ptr<ModelPool> pool;
    ModelKind kind = ModelKind::base;
    bool enrolled = false;
  };
  InUse current() const;
  ModelKind active() const;
  const ModelPool& base() const { return *base_; }  // the plain base model
  std::span<const Checkpoint> base_members() const { return base_members_; }
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
  std::shared_ptr<ModelPool> make_pool(std::span<const Checkpoint> members) const;
  // `members` with `voice` folded in, as a pool.
  std::shared_ptr<ModelPool> enrolled_pool(std::span<const Checkpoint> members,
                                           const FeatureStats& voice) const;

  std::vector<Checkpoint> base_members_;
  PoolShape shape_;
  std::shared_ptr<ModelPool> base_;
  // Set together with set_personal / set_voice (guarded by mutex_).
  std::vector<Checkpoint> personal_members_;
  std::shared_ptr<ModelPool> personal_;
  std::optional<FeatureStats> voice_;
  std::shared_ptr<ModelPool> base_enrolled_, personal_enrolled_;
  ModelKind active_ = ModelKind::base;
  mutable std::mutex mutex_;
  std::mutex building_;  // one set_personal / set_voice at a time (they build outside mutex_)
};

}  // namespace calmspace::serve
