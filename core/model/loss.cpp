#include "core/model/loss.h"

namespace calmspace {

double softmax_cross_entropy(std::span<const float> logits, std::int64_t B, std::int64_t C,
                             std::span<const int> labels, std::span<const float> class_weights,
                             std::span<float> dlogits, const MixedTargets& mix) {
  CALMSPACE_CHECK(static_cast<std::int64_t>(logits.size()) == B * C, "logits size");
  CALMSPACE_CHECK(static_cast<std::int64_t>(dlogits.size()) == B * C, "dlogits size");
  CALMSPACE_CHECK(static_cast<std::int64_t>(labels.size()) == B, "labels size");
  return softmax_cross_entropy<float>(logits.data(), B, C, labels.data(), class_weights,
                                      dlogits.data(), mix);
}

}  // namespace calmspace
