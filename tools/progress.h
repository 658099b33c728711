// Training progress for people: on a terminal, one line redrawn in place with the epoch, a bar,
// the running loss and the ETA; otherwise (logs, CI) nothing until each epoch's summary line.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace calmspace::tools {

class Progress {
 public:
  explicit Progress(std::FILE* out);
  // Batch `done` of `total` in epoch `epoch` (1-based) of `epochs`, with the running mean loss.
  void batch(int epoch, int epochs, int done, int total, double running_loss);
  // Ends the epoch's line with a summary (always printed).
  void epoch_summary(const std::string& line);

 private:
  std::FILE* out_;
  bool terminal_;
  std::chrono::steady_clock::time_point epoch_start_;
  int last_epoch_ = -1;
};

}  // namespace calmspace::tools
