#include "core/audio/encode.h"

#include <sndfile.h>

#include "core/base/atomic_file.h"
#include "core/base/error.h"

namespace calmspace {

namespace {

// `format`: SF_FORMAT_WAV or SF_FORMAT_FLAC; `kind` names it in errors.
void write_pcm16(const std::string& path, std::span<const float> samples, int sample_rate,
                 int format, const char* kind) {
  AtomicFile file(path);
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = format | SF_FORMAT_PCM_16;
  SNDFILE* out = sf_open(file.temp_path().c_str(), SFM_WRITE, &info);
  if (!out) throw InputError(path, cat("cannot write ", kind, ": ", sf_strerror(nullptr)));
  sf_command(out, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  const sf_count_t written = sf_writef_float(out, samples.data(), sf_count_t(samples.size()));
  const int closed = sf_close(out);
  if (written != sf_count_t(samples.size()) || closed != 0)
    throw InputError(path, cat(kind, " write failed (disk full?)"));
  file.commit();
}

}  // namespace

void write_wav16(const std::string& path, std::span<const float> samples, int sample_rate) {
  write_pcm16(path, samples, sample_rate, SF_FORMAT_WAV, "WAV");
}

void write_flac16(const std::string& path, std::span<const float> samples, int sample_rate) {
  write_pcm16(path, samples, sample_rate, SF_FORMAT_FLAC, "FLAC");
}

}  // namespace calmspace
