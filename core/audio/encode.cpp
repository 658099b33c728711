#include "core/audio/encode.h"

#include <sndfile.h>

#include "core/base/atomic_file.h"
#include "core/base/error.h"

namespace calmspace {

void write_wav16(const std::string& path, std::span<const float> samples, int sample_rate) {
  AtomicFile file(path);
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* out = sf_open(file.temp_path().c_str(), SFM_WRITE, &info);
  if (!out) throw InputError(path, cat("cannot write WAV: ", sf_strerror(nullptr)));
  sf_command(out, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  const sf_count_t written = sf_writef_float(out, samples.data(), sf_count_t(samples.size()));
  const int closed = sf_close(out);
  if (written != sf_count_t(samples.size()) || closed != 0)
    throw InputError(path, "WAV write failed (disk full?)");
  file.commit();
}

}  // namespace calmspace
