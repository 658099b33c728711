// Nothing a user made is half-written: output goes to "<path>.tmp-<pid>" and is renamed over
// <path> only by commit(). If the object dies uncommitted (an exception) the temporary is
// removed. Pending temporaries are also listed for remove_pending_temporaries(), which a
// program's SIGINT/SIGTERM handler calls (it only uses async-signal-safe unlink).
#pragma once

#include <string>

namespace calmspace {

class AtomicFile {
 public:
  explicit AtomicFile(std::string final_path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& temp_path() const { return temp_path_; }
  const std::string& final_path() const { return final_path_; }
  // Renames the temporary over the final path. Throws InputError(final path, reason) on failure.
  void commit();

 private:
  std::string final_path_;
  std::string temp_path_;
  int slot_ = -1;
  bool committed_ = false;
};

// Writes `text` to `path` atomically (temporary file, then rename).
void write_text_file_atomic(const std::string& path, const std::string& text);

// Removes "<final_path>.tmp-<pid>" files whose process no longer runs (left by a SIGKILL or a
// power cut), saying so on stderr; returns how many. Every AtomicFile calls it for its path, so
// the next run that writes the same file cleans up after a killed one.
int remove_stale_temporaries(const std::string& final_path);

// Unlinks every uncommitted temporary; async-signal-safe.
void remove_pending_temporaries() noexcept;

}  // namespace calmspace
