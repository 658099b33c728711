#include "tools/progress.h"

#include <unistd.h>

namespace calmspace::tools {

Progress::Progress(std::FILE* out) : out_(out), terminal_(::isatty(::fileno(out)) != 0) {}

void Progress::batch(int epoch, int epochs, int done, int total, double running_loss) {
  if (epoch != last_epoch_) {
    epoch_start_ = std::chrono::steady_clock::now();
    last_epoch_ = epoch;
  }
  if (!terminal_ || total <= 0) return;
  constexpr int kWidth = 24;
  const int filled = done * kWidth / total;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start_).count();
  const double eta = done > 0 ? elapsed / done * (total - done) : 0.0;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(out_, "\r\033[Kepoch %d/%d [%s] %d/%d loss %.4f ETA %.0f s", epoch, epochs,
               bar.c_str(), done, total, running_loss, eta);
  std::fflush(out_);
}

void Progress::epoch_summary(const std::string& line) {
  if (terminal_) std::fprintf(out_, "\r\033[K");
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

}  // namespace calmspace::tools
