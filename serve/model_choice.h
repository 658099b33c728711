// Which model answers the page's uploads: the base model the server was started with, or the
// person's own fine-tuned one (personal_model.h) when there is one and they chose it. Requests
// take a shared handle on the model in use when they start, so switching while an analysis runs
// is safe: it finishes on the model it began with, and the next request gets the new one.
// Live streams keep the base model (their predictors are made when the server starts).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "serve/model_pool.h"

namespace calmspace::serve {

enum class ModelKind { base, personal };
const char* to_string(ModelKind kind);  // "base", "personal"

class ModelChoice {
 public:
  explicit ModelChoice(std::shared_ptr<ModelPool> base);

  // The model in use now (never null), and which one it is.
  struct InUse {
    std::shared_ptr<ModelPool> pool;
    ModelKind kind = ModelKind::base;
  };
  InUse current() const;
  ModelKind active() const;
  const ModelPool& base() const { return *base_; }
  bool has_personal() const;

  // A new personal model (replacing any earlier one); `use_it` makes it the one in use.
  void set_personal(std::shared_ptr<ModelPool> personal, bool use_it);
  // No personal model any more: the base model answers.
  void drop_personal();
  // Switches; InputError when `kind` is personal and there is none.
  void use(ModelKind kind);

 private:
  std::shared_ptr<ModelPool> base_;
  std::shared_ptr<ModelPool> personal_;
  ModelKind active_ = ModelKind::base;
  mutable std::mutex mutex_;
};

}  // namespace calmspace::serve
