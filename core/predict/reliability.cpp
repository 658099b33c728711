#include "core/predict/reliability.h"

#include <algorithm>
#include <cmath>

#include "core/base/error.h"

namespace calmspace {

std::string reliability_sentence(const ModelOptions& model, std::size_t num_classes) {
  if (model.unseen_corpus_ua <= 0)
    return "How often this model is right for a voice recorded somewhere else has not been "
           "measured: treat the result as a hint.";
  // Nearest tenth, but never rounded up to "10 in 10" nor down to "0 in 10".
  const int tenths = std::clamp(static_cast<int>(std::lround(model.unseen_corpus_ua * 10)), 1, 9);
  const std::string verdict = model.unseen_corpus_ua < 0.5
                                  ? "treat the result as a hint, not a verdict"
                              : model.unseen_corpus_ua < 0.8 ? "it is often right, not always"
                                                             : "it is usually right";
  const std::string how_often = tenths == 1 ? "once" : cat(tenths, " times");
  return cat(
      "For voices recorded elsewhere than its training data, this model named the right "
      "emotion about ",
      how_often, " in 10 (guessing would manage 1 in ", num_classes, "): ", verdict, ".");
}

}  // namespace calmspace
