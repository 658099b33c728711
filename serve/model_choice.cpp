#include "serve/model_choice.h"

#include <utility>

#include "core/base/error.h"
#include "core/predict/voice_enrolment.h"

namespace calmspace::serve {

const char* to_string(ModelKind kind) {
  return kind == ModelKind::personal ? "personal" : "base";
}

ModelChoice::ModelChoice(std::vector<Checkpoint> base_members, PoolShape shape)
    : base_members_(std::move(base_members)), shape_(shape) {
  CALMSPACE_CHECK(!base_members_.empty(), "ModelChoice needs a base model");
  base_ = make_pool(base_members_);
}

std::shared_ptr<ModelPool> ModelChoice::make_pool(std::span<const Checkpoint> members) const {
  return std::make_shared<ModelPool>(members, shape_.workers, shape_.max_batch, shape_.batch_max_s);
}

std::shared_ptr<ModelPool> ModelChoice::enrolled_pool(std::span<const Checkpoint> members,
                                                      const FeatureStats& voice) const {
  std::vector<Checkpoint> enrolled;
  for (const Checkpoint& m : members) enrolled.push_back(enrolled_model(m, "the model", voice));
  return make_pool(enrolled);
}

ModelChoice::InUse ModelChoice::current() const {
  const std::lock_guard lock(mutex_);
  if (active_ == ModelKind::personal)
    return personal_enrolled_ ? InUse{personal_enrolled_, active_, true}
                              : InUse{personal_, active_, false};
  return base_enrolled_ ? InUse{base_enrolled_, active_, true} : InUse{base_, active_, false};
}

ModelKind ModelChoice::active() const {
  const std::lock_guard lock(mutex_);
  return active_;
}

bool ModelChoice::has_personal() const {
  const std::lock_guard lock(mutex_);
  return personal_ != nullptr;
}

void ModelChoice::set_personal(std::vector<Checkpoint> members, bool use_it) {
  CALMSPACE_CHECK(!members.empty(), "set_personal needs a model");
  const std::lock_guard building(building_);
  std::optional<FeatureStats> voice;
  {
    const std::lock_guard lock(mutex_);
    voice = voice_;
  }
  auto pool = make_pool(members);
  auto enrolled = voice ? enrolled_pool(members, *voice) : nullptr;
  const std::lock_guard lock(mutex_);
  personal_members_ = std::move(members);
  personal_ = std::move(pool);
  personal_enrolled_ = std::move(enrolled);
  if (use_it) active_ = ModelKind::personal;
}

void ModelChoice::drop_personal() {
  const std::lock_guard lock(mutex_);
  personal_members_.clear();
  personal_.reset();
  personal_enrolled_.reset();
  active_ = ModelKind::base;
}

void ModelChoice::use(ModelKind kind) {
  const std::lock_guard lock(mutex_);
  if (kind == ModelKind::personal && !personal_)
    throw InputError("model", "there is no personal model yet: learn from your corrections first");
  active_ = kind;
}

std::string ModelChoice::why_not_enrol() const {
  if (base_members_.size() > 1)
    return "the model in use is an ensemble; voice statistics serve single models";
  if (base_members_[0].config().features.speaker_norm == Cmvn::None)
    return "the model in use was not trained with speaker normalisation "
           "(features.speaker_norm), so your voice's statistics would not change its answers";
  return {};
}

void ModelChoice::set_voice(std::optional<FeatureStats> voice) {
  const std::lock_guard building(building_);
  std::shared_ptr<ModelPool> base, personal;
  if (voice) {
    if (const std::string why = why_not_enrol(); !why.empty()) throw InputError("voice", why);
    base = enrolled_pool(base_members_, *voice);
    std::vector<Checkpoint> personal_members;
    {
      const std::lock_guard lock(mutex_);
      personal_members = personal_members_;
    }
    if (!personal_members.empty()) personal = enrolled_pool(personal_members, *voice);
  }
  const std::lock_guard lock(mutex_);
  voice_ = std::move(voice);
  base_enrolled_ = std::move(base);
  personal_enrolled_ = std::move(personal);
}

bool ModelChoice::enrolled() const {
  const std::lock_guard lock(mutex_);
  return base_enrolled_ != nullptr;
}

}  // namespace calmspace::serve
