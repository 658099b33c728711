// A recording decoded block by block: mono float32 at AudioOptions::sample_rate, with only a
// block of it in memory at a time, so an hour-long file costs the same memory as a short one.
//   libsndfile reads the file (or an in-memory upload) in blocks of source frames -> channels
//   averaged -> libsoxr converts the rate as a stream (the same filter as resample(), so the
//   samples equal a whole-file conversion; tests/audio/audio_stream_test.cpp).
// load_audio() and decode_audio() (decode.h) are this stream read to its end.
// Bad input throws InputError(name, reason), at open or while reading: no audio, non-finite
// samples (with the frame and time), longer than options.max_duration_s, a decoding error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config/audio_options.h"

namespace calmspace {

// What the file says about itself, before conversion.
struct AudioSourceInfo {
  int rate = 0;             // Hz
  int channels = 0;         //
  std::int64_t frames = 0;  // the header's frame count (an estimate for some compressed formats;
                            // -1: a live stream of unknown length, pcm_stream.h)
  std::string format;       // e.g. "WAV PCM_16", "FLAC PCM_24", "OGG OPUS"
};

class AudioStream {
 public:
  // A file on disk. Throws InputError(path, reason) when it cannot be opened as audio.
  static std::unique_ptr<AudioStream> open(const std::string& path, const AudioOptions& options);
  // An in-memory file (an upload); `bytes` must outlive the stream. `name` stands for it in errors.
  static std::unique_ptr<AudioStream> open_memory(std::span<const std::byte> bytes,
                                                  const std::string& name,
                                                  const AudioOptions& options);
  virtual ~AudioStream() = default;

  const std::string& name() const { return name_; }
  const AudioSourceInfo& source() const { return source_; }
  int sample_rate() const { return options_.sample_rate; }
  // Output samples the header's frame count converts to (resampled_length); an estimate when
  // the header's count is.
  std::int64_t expected_samples() const;

  // Fills `out` with the next samples and returns how many: out.size() until the last block, then
  // fewer, then 0 at the end.
  std::size_t read(std::span<float> out);
  // Source frames decoded so far (at source().rate).
  std::int64_t source_frames_read() const { return frames_in_; }

 protected:
  AudioStream(std::string name, const AudioOptions& options)
      : name_(std::move(name)), options_(options) {}
  // Next block of interleaved source frames into `block` (frames * channels floats); returns the
  // frames read, 0 at the end. Throws InputError on a decoding error.
  virtual std::int64_t read_source(std::span<float> block) = 0;
  void set_source(const AudioSourceInfo& source);

 private:
  // Decodes one more source block and converts it; false at the end of the source.
  bool refill();
  void finish_conversion();

  std::string name_;
  AudioOptions options_;
  AudioSourceInfo source_;
  struct Converter;  // libsoxr state (absent when the rates are equal)
  std::shared_ptr<Converter> converter_;
  std::vector<float> block_;    // interleaved source frames
  std::vector<float> mono_;     // the block averaged to mono
  std::vector<float> pending_;  // converted samples not yet handed out
  std::size_t pending_pos_ = 0;
  std::int64_t frames_in_ = 0;    // source frames decoded
  std::int64_t samples_out_ = 0;  // samples handed out
  bool source_done_ = false, finished_ = false;
};

}  // namespace calmspace
