#include "core/model/softmax.h"

#include "core/base/error.h"

namespace calmspace {

void softmax(std::span<const float> logits, std::int64_t B, std::int64_t C,
             std::span<float> probs) {
  CALMSPACE_CHECK(static_cast<std::int64_t>(logits.size()) == B * C, "logits size");
  CALMSPACE_CHECK(static_cast<std::int64_t>(probs.size()) == B * C, "probs size");
  softmax_rows(logits.data(), B, C, probs.data());
}

std::vector<int> argmax_rows(std::span<const float> scores, int num_classes) {
  CALMSPACE_CHECK(num_classes > 0 && scores.size() % num_classes == 0, "scores size");
  std::vector<int> out;
  for (std::size_t r = 0; r < scores.size(); r += num_classes) {
    int best = 0;
    for (int j = 1; j < num_classes; ++j)
      if (scores[r + j] > scores[r + best]) best = j;
    out.push_back(best);
  }
  return out;
}

}  // namespace calmspace
