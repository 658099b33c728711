// Moves SQLite's WAL checkpoints off the writers' path. With the default auto-checkpoint, the
// commit that pushes the write-ahead log past 1000 pages copies the log back into the database
// inside that request (every ~30 analyses of a 4 s recording, since each stores its audio), and
// every other writer waits behind it. The history store turns auto-checkpointing off and this
// class runs PASSIVE checkpoints (which never block readers or writers) from its own thread and
// its own connection, every `period`. Under a steady stream of writes a passive checkpoint never
// reaches the end of the log, and a log is reused from its start only after one that did; so
// when the log is longer than `restart_frames` pages, the checkpointer holds the writers' mutex
// for a RESTART checkpoint right after a passive one (which left it little to copy).
// https://www.sqlite.org/wal.html#checkpointing,
// https://www.sqlite.org/c3ref/wal_checkpoint_v2.html
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "serve/sqlite_handle.h"

namespace calmspace::serve {

class WalCheckpointer {
 public:
  // Opens its own connection to `database_file` (which must exist, in WAL mode); Error if it
  // cannot.
  // `writers`: the mutex every writer of the database holds while it writes.
  WalCheckpointer(const std::string& database_file, std::chrono::milliseconds period,
                  int restart_frames, std::mutex& writers);
  ~WalCheckpointer();  // stops the thread after one last checkpoint
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Frames of the log copied back into the database so far, and RESTART checkpoints (for tests).
  long long checkpointed_frames() const;
  long long restarts() const;
  // Checkpoint passes finished so far; waiting until `n` have (tests pace their writes on it).
  long long passes() const;
  void wait_for_passes(long long n) const;

 private:
  void run();
  void checkpoint();
  // Frames newly copied, from a checkpoint's count of the log's frames now in the database.
  long long copied_since(int backfilled);

  SqliteConnection db_;  // its own connection
  std::chrono::milliseconds period_;
  int restart_frames_;
  std::mutex& writers_;
  mutable std::mutex mutex_;
  std::condition_variable stop_requested_;
  mutable std::condition_variable pass_done_;
  long long passes_ = 0;
  bool stop_ = false;
  long long checkpointed_ = 0;
  long long restarts_ = 0;
  int last_backfilled_ = 0;  // the checkpoint thread's own bookkeeping
  std::thread thread_;
};

}  // namespace calmspace::serve
