#include "core/audio/decoded_stream.h"

#include <algorithm>

namespace calmspace {
namespace {

class DecodedStream final : public AudioStream {
 public:
  DecodedStream(Audio audio, const std::string& name, const AudioOptions& options)
      : AudioStream(name, options), audio_(std::move(audio)) {
    // The decoded samples are the source: mono at the target rate, so nothing is converted.
    set_source({audio_.sample_rate, 1, static_cast<std::int64_t>(audio_.samples.size()),
                audio_.source_format});
  }

 protected:
  std::int64_t read_source(std::span<float> block) override {
    const std::size_t n = std::min(block.size(), audio_.samples.size() - at_);
    std::copy_n(audio_.samples.data() + at_, n, block.data());
    at_ += n;
    return static_cast<std::int64_t>(n);
  }

 private:
  Audio audio_;
  std::size_t at_ = 0;
};

}  // namespace

std::unique_ptr<AudioStream> make_decoded_stream(Audio audio, const std::string& name,
                                                 const AudioOptions& options) {
  return std::make_unique<DecodedStream>(std::move(audio), name, options);
}

}  // namespace calmspace
