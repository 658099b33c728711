#include "serve/model_choice.h"

#include <utility>

#include "core/base/error.h"
#include "core/predict/voice_enrolment.h"

namespace calmspace::serve {

const char* to_string(ModelKind kind) {
  return kind == ModelKind::personal ? "personal" : "base";
}

ModelChoice::ModelChoice(std::vector<Checkpoint> base_members, PoolShape shape) : shape_(shape) {
  CALMSPACE_CHECK(!base_members.empty(), "ModelChoice needs a base model");
  base_ = serve(std::move(base_members));
}

ModelChoice::Served ModelChoice::serve(std::vector<Checkpoint> members) const {
  auto shared = std::make_shared<const std::vector<Checkpoint>>(std::move(members));
  auto pool =
      std::make_shared<ModelPool>(*shared, shape_.workers, shape_.max_batch, shape_.batch_max_s);
  return {std::move(shared), std::move(pool)};
}

ModelChoice::Served ModelChoice::serve_with_voice(std::span<const Checkpoint> members,
                                                  const FeatureStats& voice) const {
  std::vector<Checkpoint> folded;
  for (const Checkpoint& m : members) folded.push_back(enrolled_model(m, "the model", voice));
  return serve(std::move(folded));
}

ModelChoice::InUse ModelChoice::current() const {
  const std::lock_guard lock(mutex_);
  const bool personal = active_ == ModelKind::personal;
  const Served& with_voice = personal ? personal_enrolled_ : base_enrolled_;
  const Served& used = with_voice.pool ? with_voice : personal ? personal_ : base_;
  return {used.pool, used.members, active_, with_voice.pool != nullptr};
}

ModelKind ModelChoice::active() const {
  const std::lock_guard lock(mutex_);
  return active_;
}

bool ModelChoice::has_personal() const {
  const std::lock_guard lock(mutex_);
  return personal_.pool != nullptr;
}

void ModelChoice::set_personal(std::vector<Checkpoint> members, bool use_it) {
  CALMSPACE_CHECK(!members.empty(), "set_personal needs a model");
  const std::lock_guard building(building_);
  std::optional<FeatureStats> voice;
  {
    const std::lock_guard lock(mutex_);
    voice = voice_;
  }
  Served with_voice = voice ? serve_with_voice(members, *voice) : Served{};
  Served plain = serve(std::move(members));
  {
    const std::lock_guard lock(mutex_);
    std::swap(personal_, plain);
    std::swap(personal_enrolled_, with_voice);
    if (use_it) active_ = ModelKind::personal;
  }
  // The models replaced are released here, outside the lock (or by the last request using them).
}

void ModelChoice::drop_personal() {
  const std::lock_guard building(building_);  // a set_voice building now must not bring it back
  Served plain, with_voice;
  const std::lock_guard lock(mutex_);
  std::swap(personal_, plain);
  std::swap(personal_enrolled_, with_voice);
  active_ = ModelKind::base;
}

void ModelChoice::use(ModelKind kind) {
  const std::lock_guard lock(mutex_);
  if (kind == ModelKind::personal && !personal_.pool)
    throw InputError("model", "there is no personal model yet: learn from your corrections first");
  active_ = kind;
}

std::string ModelChoice::why_not_enrol() const {
  const std::vector<Checkpoint>& base = *base_.members;
  if (base.size() > 1)
    return "the model in use is an ensemble; voice statistics serve single models";
  if (base[0].config().features.speaker_norm == Cmvn::None)
    return "the model in use was not trained with speaker normalisation "
           "(features.speaker_norm), so your voice's statistics would not change its answers";
  return {};
}

void ModelChoice::set_voice(std::optional<FeatureStats> voice) {
  const std::lock_guard building(building_);
  Served base, personal;
  if (voice) {
    if (const std::string why = why_not_enrol(); !why.empty()) throw InputError("voice", why);
    base = serve_with_voice(*base_.members, *voice);
    std::shared_ptr<const std::vector<Checkpoint>> personal_members;
    {
      const std::lock_guard lock(mutex_);
      personal_members = personal_.members;
    }
    if (personal_members) personal = serve_with_voice(*personal_members, *voice);
  }
  const std::lock_guard lock(mutex_);
  voice_ = std::move(voice);
  std::swap(base_enrolled_, base);  // the models replaced go when `base` and `personal` do
  std::swap(personal_enrolled_, personal);
}

bool ModelChoice::enrolled() const {
  const std::lock_guard lock(mutex_);
  return base_enrolled_.pool != nullptr;
}

}  // namespace calmspace::serve
