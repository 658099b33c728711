#include "core/audio/audio_stream.h"

#include <soxr.h>

#include <algorithm>
#include <cmath>

#include "core/audio/resample.h"
#include "core/audio/sample_checks.h"
#include "core/base/error.h"

namespace calmspace {
namespace {

// Source frames decoded per block: 128 KiB of mono float.
constexpr std::int64_t kBlockFrames = 1 << 15;

}  // namespace

// libsoxr converting one mono stream; the recipe resample() uses (resample.h).
struct AudioStream::Converter {
  soxr_t soxr = nullptr;
  Converter(int from, int to, ResampleQuality quality) {
    soxr_error_t err = nullptr;
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    const soxr_quality_spec_t q = soxr_quality_spec(soxr_recipe(quality), 0);
    const soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    soxr = soxr_create(from, to, 1, &err, &io, &q, &rt);
    if (err || !soxr) throw Error(cat("libsoxr: cannot convert ", from, " -> ", to, " Hz: ", err));
  }
  ~Converter() { soxr_delete(soxr); }
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;

  // Converts `in` (nullptr: flush the filter's tail) and appends the output to `out`.
  void process(std::span<const float> in, bool flush, std::vector<float>& out, double ratio) {
    std::size_t consumed = 0;
    for (;;) {
      const std::size_t room = static_cast<std::size_t>((in.size() - consumed) * ratio) + 1024;
      const std::size_t at = out.size();
      out.resize(at + room);
      std::size_t idone = 0, odone = 0;
      const soxr_error_t err =
          flush ? soxr_process(soxr, nullptr, 0, nullptr, out.data() + at, room, &odone)
                : soxr_process(soxr, in.data() + consumed, in.size() - consumed, &idone,
                               out.data() + at, room, &odone);
      if (err) throw Error(cat("libsoxr: conversion failed: ", err));
      out.resize(at + odone);
      consumed += idone;
      if (flush ? odone == 0 : consumed == in.size() && odone < room) return;
    }
  }
};

void AudioStream::set_source(const AudioSourceInfo& source) {
  source_ = source;
  if (source_.channels < 1) throw InputError(name_, "the file reports no audio channels");
  if (source_.rate < 1) throw InputError(name_, "the file reports no sample rate");
  check_sample_rate(name_, source_.rate);
  if (source_.frames == 0) throw InputError(name_, "contains no audio (0 frames)");
  // Checked against the header first (frames < 0: a live stream of unknown length), then while
  // reading (compressed formats may only estimate their length).
  if (source_.frames > 0 && double(source_.frames) > options_.max_duration_s * source_.rate)
    throw InputError(
        name_, cat("recording is ", double(source_.frames) / source_.rate, " s long, longer than ",
                   options_.max_duration_name, "=", options_.max_duration_s, " s"));
  if (source_.rate != options_.sample_rate)
    converter_ =
        std::make_shared<Converter>(source_.rate, options_.sample_rate, options_.resample_quality);
  block_.resize(static_cast<std::size_t>(kBlockFrames * source_.channels));
}

std::int64_t AudioStream::expected_samples() const {
  // A header may claim any count (libsndfile reports an Ogg of unknown length as INT64_MAX): the
  // estimate stops at 2^40 - 1 frames (over two years at 16 kHz), resampled_length's range.
  constexpr std::int64_t kMostFrames = (std::int64_t{1} << 40) - 1;
  return resampled_length(std::clamp<std::int64_t>(source_.frames, 0, kMostFrames), source_.rate,
                          options_.sample_rate);
}

bool AudioStream::refill() {
  if (source_done_) return false;
  const int channels = source_.channels;
  const std::int64_t got = read_source(block_);
  if (got > 0) {
    const std::span<const float> values(block_.data(), static_cast<std::size_t>(got * channels));
    check_sample_values(name_, values, channels, frames_in_, source_.rate);
    frames_in_ += got;
    if (double(frames_in_) > options_.max_duration_s * source_.rate)
      throw InputError(name_, cat("recording is at least ", double(frames_in_) / source_.rate,
                                  " s long, longer than ", options_.max_duration_name, "=",
                                  options_.max_duration_s, " s"));
    std::span<const float> mono = values;
    if (channels > 1) {
      mono_.resize(static_cast<std::size_t>(got));
      const float scale = 1.0f / static_cast<float>(channels);
      for (std::int64_t i = 0; i < got; ++i) {
        const float* frame = values.data() + i * channels;
        float sum = 0;
        for (int c = 0; c < channels; ++c) sum += frame[c];
        mono_[static_cast<std::size_t>(i)] = sum * scale;
      }
      mono = mono_;
    }
    if (pending_pos_ == pending_.size()) pending_.clear(), pending_pos_ = 0;
    if (converter_)
      converter_->process(mono, false, pending_, double(options_.sample_rate) / source_.rate);
    else
      pending_.insert(pending_.end(), mono.begin(), mono.end());
    return true;
  }
  source_done_ = true;
  if (frames_in_ == 0) throw InputError(name_, "contains no audio (no frame could be decoded)");
  finish_conversion();
  return true;
}

// The last samples: libsoxr's filter tail, then exactly resampled_length(frames decoded) samples
// in all, as a whole-file resample() gives (at most one missing sample past the end is silence).
void AudioStream::finish_conversion() {
  if (pending_pos_ == pending_.size()) pending_.clear(), pending_pos_ = 0;
  if (converter_) converter_->process({}, true, pending_, 1.0);
  const std::int64_t want = resampled_length(frames_in_, source_.rate, options_.sample_rate);
  if (want == 0)
    throw InputError(name_, cat("too short: ", frames_in_, " frames at ", source_.rate,
                                " Hz is less than one sample at ", options_.sample_rate, " Hz"));
  CALMSPACE_CHECK(samples_out_ <= want, "converted ", samples_out_, " samples of ", want);
  pending_.resize(pending_pos_ + static_cast<std::size_t>(want - samples_out_));  // pads or trims
  finished_ = true;
}

std::size_t AudioStream::read(std::span<float> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    if (pending_pos_ == pending_.size()) {
      if (finished_ || !refill()) break;
      continue;
    }
    const std::size_t n = std::min(out.size() - done, pending_.size() - pending_pos_);
    std::copy_n(pending_.data() + pending_pos_, n, out.data() + done);
    pending_pos_ += n;
    done += n;
    samples_out_ += static_cast<std::int64_t>(n);
  }
  return done;
}

}  // namespace calmspace
