// Target: an upload's bytes through core/audio/decode.h, as `POST /api/analyses` and `predict -`
// decode them (the server's 600 s limit, so a header claiming hours is refused, not allocated).
#include <cstddef>
#include <span>

#include "core/audio/decode.h"
#include "core/audio/sniff.h"
#include "core/base/error.h"
#include "fuzz/fuzz_targets.h"

namespace calmspace::fuzz {

void decode_audio(Input input) {
  const std::span<const std::byte> bytes = std::as_bytes(input);
  AudioOptions options;
  options.max_duration_s = 600;
  (void)describe_content(bytes.first(std::min(bytes.size(), kSniffBytes)));
  try {
    (void)expected_decoded_samples(bytes, "upload", options);
    (void)decode_audio(bytes, "upload", options);
  } catch (const InputError&) {
  }
}

}  // namespace calmspace::fuzz
