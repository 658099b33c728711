#include "serve/wal_checkpointer.h"

#include <sqlite3.h>

#include "core/base/error.h"

namespace calmspace::serve {

WalCheckpointer::WalCheckpointer(const std::string& database_file, std::chrono::milliseconds period,
                                 int restart_frames, std::mutex& writers)
    : period_(period), restart_frames_(restart_frames), writers_(writers) {
  const int rc = sqlite3_open_v2(database_file.c_str(), db_.out(),
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, nullptr);
  // A connection learns that the database is in WAL mode when it first reads it; until then a
  // checkpoint does nothing (and reports a log of -1 frames).
  if (rc != SQLITE_OK ||
      sqlite3_exec(db_.get(), "PRAGMA schema_version", nullptr, nullptr, nullptr) != SQLITE_OK) {
    const std::string reason = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
    throw Error(cat(database_file, ": cannot open for checkpoints (", reason, ")"));
  }
  thread_ = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
}

long long WalCheckpointer::checkpointed_frames() const {
  std::lock_guard lock(mutex_);
  return checkpointed_;
}

void WalCheckpointer::run() {
  // Not niced: it holds the writers' mutex for RESTART, and a low priority there would make every
  // writer wait on a thread the scheduler keeps putting off.
  std::unique_lock lock(mutex_);
  while (!stop_) {
    stop_requested_.wait_for(lock, period_, [this] { return stop_; });
    lock.unlock();
    checkpoint();
    lock.lock();
  }
}

namespace {

// fdatasync of the database file or its log through SQLite's own file handle (closing a file
// descriptor of our own would drop the process's POSIX locks on the file).
void sync_file(sqlite3* db, int op) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", op, &file) == SQLITE_OK && file && file->pMethods)
    file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}

}  // namespace

void WalCheckpointer::checkpoint() {
  // log_frames: frames in the log; backfilled: how many of them are in the database by now
  // (counted from the log's start, which moves back to 0 when the log restarts).
  int log_frames = 0, backfilled = 0;
  // PASSIVE: copies what it can without waiting for any lock; a busy database is simply retried
  // at the next period, so its result code needs no handling beyond counting what was copied.
  sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                            &backfilled);
  long long copied_frames = copied_since(backfilled);
  // Write what the pass copied through to the disk now, from this thread, rather than let dirty
  // pages pile up until the kernel throttles the writers (and a RESTART's sync waits for them).
  if (copied_frames > 0) sync_file(db_.get(), SQLITE_FCNTL_FILE_POINTER);
  bool restarted = false;
  if (log_frames >= restart_frames_) {
    // RESTART holds the writers off while it copies the rest of the log and syncs the database
    // file and the log. Syncing both first, and a second pass for what was committed meanwhile,
    // leave it only a few commits to copy and sync (measured under load: the writers waited 20-40
    // ms per restart without these steps, 3-20 ms with them).
    sync_file(db_.get(), SQLITE_FCNTL_FILE_POINTER);
    sync_file(db_.get(), SQLITE_FCNTL_JOURNAL_POINTER);
    sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, &backfilled);
    copied_frames += copied_since(backfilled);
    std::lock_guard writers(writers_);
    restarted = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr,
                                          &backfilled) == SQLITE_OK;
    copied_frames += copied_since(backfilled);
    if (restarted) last_backfilled_ = 0;  // the next commit writes the log from its start
  }
  {
    std::lock_guard lock(mutex_);
    if (copied_frames > 0) checkpointed_ += copied_frames;
    if (restarted) ++restarts_;
    ++passes_;
  }
  pass_done_.notify_all();
}

long long WalCheckpointer::passes() const {
  std::lock_guard lock(mutex_);
  return passes_;
}

void WalCheckpointer::wait_for_passes(long long n) const {
  std::unique_lock lock(mutex_);
  pass_done_.wait(lock, [&] { return passes_ >= n; });
}

long long WalCheckpointer::copied_since(int backfilled) {
  // A count below the last one means the log restarted (a writer reset it) in between.
  const long long copied =
      backfilled >= last_backfilled_ ? backfilled - last_backfilled_ : backfilled;
  last_backfilled_ = backfilled > 0 ? backfilled : 0;
  return copied;
}

long long WalCheckpointer::restarts() const {
  std::lock_guard lock(mutex_);
  return restarts_;
}

}  // namespace calmspace::serve
