#include "serve/model_choice.h"

#include <utility>

#include "core/base/error.h"

namespace calmspace::serve {

const char* to_string(ModelKind kind) {
  return kind == ModelKind::personal ? "personal" : "base";
}

ModelChoice::ModelChoice(std::shared_ptr<ModelPool> base) : base_(std::move(base)) {
  CALMSPACE_CHECK(base_ != nullptr, "ModelChoice needs a base model");
}

ModelChoice::InUse ModelChoice::current() const {
  const std::lock_guard lock(mutex_);
  return {active_ == ModelKind::personal ? personal_ : base_, active_};
}

ModelKind ModelChoice::active() const {
  const std::lock_guard lock(mutex_);
  return active_;
}

bool ModelChoice::has_personal() const {
  const std::lock_guard lock(mutex_);
  return personal_ != nullptr;
}

void ModelChoice::set_personal(std::shared_ptr<ModelPool> personal, bool use_it) {
  CALMSPACE_CHECK(personal != nullptr, "set_personal needs a model");
  const std::lock_guard lock(mutex_);
  personal_ = std::move(personal);
  if (use_it) active_ = ModelKind::personal;
}

void ModelChoice::drop_personal() {
  const std::lock_guard lock(mutex_);
  personal_.reset();
  active_ = ModelKind::base;
}

void ModelChoice::use(ModelKind kind) {
  const std::lock_guard lock(mutex_);
  if (kind == ModelKind::personal && !personal_)
    throw InputError("model", "there is no personal model yet: learn from your corrections first");
  active_ = kind;
}

}  // namespace calmspace::serve
