// Target: `calmspace listen` reading a pipe (core/audio/pcm_stream.h). The input's first byte picks
// the declared format, rate and channels; the rest is what arrives on the descriptor (a file here:
// the parser sees the same bytes, and reads end where they end).
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/audio/pcm_stream.h"
#include "core/base/error.h"
#include "fuzz/fuzz_targets.h"
#include "fuzz/scratch_dir.h"

namespace calmspace::fuzz {

void pcm_stream(Input input) {
  if (input.empty()) return;
  const std::uint8_t choice = input[0];
  PcmInput format;
  format.format = std::array{"auto", "wav", "s16le", "f32le"}[choice & 3];
  format.rate = std::array{0, 8000, 44100, 3}[(choice >> 2) & 3];
  format.channels = 1 + ((choice >> 4) & 3);
  const std::string path = write_scratch_file("stream.pcm", input.subspan(1));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("fuzz: cannot open " + path);
  AudioOptions options;
  try {
    auto stream = open_pcm_stream(fd, "stdin", format, options);
    std::vector<float> block(4000);  // 0.25 s, the live hop
    while (stream->read(block) > 0) {
    }
  } catch (const InputError&) {
  }
  ::close(fd);
}

}  // namespace calmspace::fuzz
