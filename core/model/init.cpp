#include "core/model/init.h"

#include <cmath>

#include "core/error.h"
#include "core/model/dropout.h"
#include "core/model/sequence_model.h"

namespace calmspace {

void init_parameters(const ModelOptions& options, int input_dim, int num_classes,
                     std::uint64_t seed, std::span<float> weights) {
  const auto layout = parameter_layout(options, input_dim, num_classes);
  CALMSPACE_CHECK(
      static_cast<std::int64_t>(weights.size()) == layout.back().offset + layout.back().size,
      "weights size ", weights.size());
  const std::uint64_t key = splitmix64(seed ^ 0x243F6A8885A308D3ull);
  for (const auto& p : layout) {
    double fan_in = static_cast<double>(options.hidden_size);
    if (p.name.rfind("rnn.", 0) != 0)
      fan_in = p.name == "pool.attention.v" ? static_cast<double>(options.attention_dim)
                                            : static_cast<double>(options.output_dim());
    const double bound = 1.0 / std::sqrt(fan_in);
    for (std::int64_t i = p.offset; i < p.offset + p.size; ++i) {
      const double u =
          static_cast<double>(splitmix64(key ^ static_cast<std::uint64_t>(i)) >> 11) * 0x1.0p-53;
      weights[static_cast<std::size_t>(i)] = static_cast<float>((2.0 * u - 1.0) * bound);
    }
  }
}

}  // namespace calmspace
