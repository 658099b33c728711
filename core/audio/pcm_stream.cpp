#include "core/audio/pcm_stream.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/base/error.h"

namespace calmspace {
namespace {

enum class Sample { S16, S24, S32, F32 };

int sample_bytes(Sample s) {
  switch (s) {
    case Sample::S16:
      return 2;
    case Sample::S24:
      return 3;
    default:
      return 4;
  }
}

std::uint32_t le32(const unsigned char* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}
std::uint32_t le24(const unsigned char* p) {  // 3 bytes only: the last sample ends the buffer
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16;
}
std::uint16_t le16(const unsigned char* p) {
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}

float sample_value(const unsigned char* p, Sample s) {
  switch (s) {
    case Sample::S16:
      return float(static_cast<std::int16_t>(le16(p))) / 32768.0f;
    case Sample::S24: {
      const std::int32_t v = static_cast<std::int32_t>(le24(p) << 8) >> 8;  // sign-extended
      return float(v) / 8388608.0f;
    }
    case Sample::S32:
      return float(static_cast<std::int32_t>(le32(p))) / 2147483648.0f;
    case Sample::F32: {
      const std::uint32_t bits = le32(p);
      float v;
      std::memcpy(&v, &bits, 4);
      return v;
    }
  }
  return 0;
}

class PcmStream : public AudioStream {
 public:
  PcmStream(int fd, const std::string& name, const PcmInput& input, const AudioOptions& options,
            const std::atomic<bool>* stop)
      : AudioStream(name, options), fd_(fd), stop_(stop) {
    std::string format = input.format;
    if (format == "auto") format = starts_with_riff() ? "wav" : "s16le";
    AudioSourceInfo source;
    if (format == "wav") {
      read_wav_header(source);
    } else if (format == "s16le" || format == "f32le") {
      sample_ = format == "s16le" ? Sample::S16 : Sample::F32;
      source.rate = input.rate > 0 ? input.rate : options.sample_rate;
      source.channels = input.channels;
      source.format = "raw " + format;
      if (input.channels < 1 || input.channels > 64)
        throw InputError(name, cat("--channels ", input.channels, " is not 1 to 64"));
    } else {
      throw InputError(
          name, cat("unknown input format '", input.format, "' (auto, wav, s16le or f32le)"));
    }
    source.frames = -1;  // unknown: until the stream ends
    channels_ = source.channels;
    frame_bytes_ = channels_ * sample_bytes(sample_);
    set_source(source);
  }

 protected:
  std::int64_t read_source(std::span<float> block) override {
    const std::size_t max_frames = block.size() / static_cast<std::size_t>(channels_);
    const auto frame_bytes = static_cast<std::size_t>(frame_bytes_);
    // At least one whole frame, or the end.
    while (bytes_.size() < frame_bytes) {
      if (!fill(max_frames * frame_bytes - bytes_.size())) {
        bytes_.clear();  // a partial last frame is dropped
        return 0;
      }
    }
    const std::size_t frames = std::min(max_frames, bytes_.size() / frame_bytes);
    const auto per_frame = static_cast<std::size_t>(channels_);
    for (std::size_t i = 0; i < frames * per_frame; ++i)
      block[i] = sample_value(bytes_.data() + i * sample_bytes(sample_), sample_);
    bytes_.erase(bytes_.begin(),
                 bytes_.begin() + static_cast<std::ptrdiff_t>(frames * frame_bytes));
    return static_cast<std::int64_t>(frames);
  }

 private:
  // Appends what one read() gives (at most `want` bytes, at most the data chunk's rest); false at
  // the end of the stream (or of the data chunk, or on a stop request).
  bool fill(std::size_t want) {
    if (data_left_ == 0 || (stop_ != nullptr && stop_->load())) return false;
    if (data_left_ > 0) want = std::min<std::size_t>(want, static_cast<std::size_t>(data_left_));
    want = std::max<std::size_t>(want, 1);
    const std::size_t at = bytes_.size();
    bytes_.resize(at + want);
    for (;;) {
      const ssize_t n = ::read(fd_, bytes_.data() + at, want);
      if (n > 0) {
        bytes_.resize(at + static_cast<std::size_t>(n));
        if (data_left_ > 0) data_left_ -= n;
        return true;
      }
      bytes_.resize(at);
      if (n == 0) return false;
      if (errno == EINTR) {
        if (stop_ != nullptr && stop_->load()) return false;
        continue;
      }
      throw InputError(name(), cat("could not be read: ", std::strerror(errno)));
    }
  }

  // Exactly n bytes of the header into `out`; InputError when the stream ends first.
  void read_exactly(unsigned char* out, std::size_t n, const char* what) {
    if (n == 0) return;  // an empty chunk (its body's data() may be null)
    while (bytes_.size() < n)
      if (!fill(n - bytes_.size()))
        throw InputError(name(), cat("ends inside its WAV header (", what, ")"));
    std::memcpy(out, bytes_.data(), n);
    bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(n));
  }

  bool starts_with_riff() {
    while (bytes_.size() < 4)
      if (!fill(4 - bytes_.size())) break;
    return bytes_.size() >= 4 && std::memcmp(bytes_.data(), "RIFF", 4) == 0;
  }

  void read_wav_header(AudioSourceInfo& source) {
    unsigned char riff[12];
    read_exactly(riff, 12, "RIFF");
    if (std::memcmp(riff, "RIFF", 4) != 0 || std::memcmp(riff + 8, "WAVE", 4) != 0)
      throw InputError(name(), "is not a WAV stream (no RIFF/WAVE header)");
    bool have_format = false;
    constexpr std::uint32_t kMaxChunk = 1 << 20;  // a header chunk larger than 1 MB is not one
    for (;;) {
      unsigned char chunk[8];
      read_exactly(chunk, 8, "chunk header");
      const std::uint32_t size = le32(chunk + 4);
      if (std::memcmp(chunk, "data", 4) == 0) {
        if (!have_format) throw InputError(name(), "WAV data comes before its fmt chunk");
        data_left_ = size == 0 || size >= 0x7FFFFFFFu ? -1 : std::int64_t{size};
        return;
      }
      if (size > kMaxChunk)
        throw InputError(name(), cat("WAV header chunk '", std::string(chunk, chunk + 4), "' of ",
                                     size, " bytes is too large"));
      std::vector<unsigned char> body(size + (size & 1));  // chunks are padded to even sizes
      read_exactly(body.data(), body.size(), "chunk");
      if (std::memcmp(chunk, "fmt ", 4) != 0) continue;
      if (size < 16) throw InputError(name(), "WAV fmt chunk is too short");
      std::uint16_t tag = le16(body.data());
      const int channels = le16(body.data() + 2);
      const std::uint32_t rate = le32(body.data() + 4);
      const int bits = le16(body.data() + 14);
      if (tag == 0xFFFE && size >= 26) tag = le16(body.data() + 24);  // extensible: sub-format
      if (tag == 1 && bits == 16) {
        sample_ = Sample::S16;
      } else if (tag == 1 && bits == 24) {
        sample_ = Sample::S24;
      } else if (tag == 1 && bits == 32) {
        sample_ = Sample::S32;
      } else if (tag == 3 && bits == 32) {
        sample_ = Sample::F32;
      } else {
        throw InputError(name(), cat("WAV sample format ", tag, " with ", bits,
                                     " bits is not supported live (PCM 16/24/32-bit or float "
                                     "32-bit)"));
      }
      if (channels < 1 || channels > 64)
        throw InputError(name(), cat("WAV stream has ", channels, " channels"));
      source.rate = static_cast<int>(std::min<std::uint32_t>(rate, 1u << 30));
      source.channels = channels;
      source.format = cat("WAV stream ", tag == 3 ? "FLOAT" : "PCM_", tag == 3 ? "" : cat(bits));
      have_format = true;
    }
  }

  int fd_;
  const std::atomic<bool>* stop_;
  Sample sample_ = Sample::S16;
  int channels_ = 1, frame_bytes_ = 2;
  std::int64_t data_left_ = -1;       // bytes of the WAV data chunk still to come; -1 = unknown
  std::vector<unsigned char> bytes_;  // read, not yet handed out
};

}  // namespace

std::unique_ptr<AudioStream> open_pcm_stream(int fd, const std::string& name, const PcmInput& input,
                                             const AudioOptions& options,
                                             const std::atomic<bool>* stop) {
  return std::make_unique<PcmStream>(fd, name, input, options, stop);
}

}  // namespace calmspace
