// The history of analyses, kept in SQLite in the data directory (DATA_DIR/history.sqlite3, WAL
// journal beside it; nothing else is written). One row per analysis: when, the upload's display
// name, duration, predicted label and its probability, the result JSON and the recording itself
// (a BLOB, with the MIME type the server derived from its decoded format). Ids are SQLite's
// AUTOINCREMENT rowids: server-generated, never reused. Thread-safe (one connection, one mutex;
// every statement is short). WAL checkpoints run in the background (wal_checkpointer.h).
// Corrections (schema version 2): an analysis may carry the person's own label for it (the
// predicted one: "right"; another: a correction), who gave it and when; it can be taken back.
// Version 1 files gain the three columns when opened; a newer version is refused.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "serve/sqlite_handle.h"

namespace calmspace::serve {

struct StoredAudio {
  std::string bytes;
  std::string mime_type;
};

class WalCheckpointer;

// Now, in UTC, as the history writes times: "2026-12-06T03:50:12.345Z".
std::string now_iso8601();

// The person's label for an analysis.
struct Correction {
  std::string label;  // one of the model's labels
  std::string by;     // who said it: "user" from the page
  std::string at;     // UTC, ISO 8601 with milliseconds
};

struct AnalysisSummary {
  std::int64_t id = 0;
  std::string created_at;  // UTC, ISO 8601 with milliseconds: "2026-11-24T04:50:12.345Z"
  std::string name;        // display name of the recording (never used as a path)
  double duration_s = 0;
  std::string predicted;
  double confidence = 0;  // probability of `predicted`
  std::optional<Correction> correction;
};

// A labelled recording, for `calmspace history export`.
struct LabelledRecording {
  std::int64_t id = 0;
  std::string name;
  std::string label;
  StoredAudio audio;
};

class HistoryStore {
 public:
  // Creates `data_dir` (owner-only permissions) and the database if needed. InputError(data_dir,
  // reason) when it cannot. `wal_restart_pages`: log length (4 KiB pages) at which the
  // background checkpointer restarts the log (wal_checkpointer.h).
  explicit HistoryStore(const std::string& data_dir, int wal_restart_pages = 65536);
  ~HistoryStore();
  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  // Stores one analysis; returns its summary (id and creation time filled in).
  AnalysisSummary add(const std::string& name, double duration_s, const std::string& predicted,
                      double confidence, const nlohmann::json& result, const std::string& audio,
                      const std::string& mime_type);
  // Newest first.
  std::vector<AnalysisSummary> list(int limit, std::int64_t offset);
  std::int64_t count();
  std::int64_t labelled_count();  // analyses with the person's label
  // The summary and the stored result JSON; nullopt for an unknown id.
  std::optional<std::pair<AnalysisSummary, nlohmann::json>> get(std::int64_t id);
  std::optional<StoredAudio> audio(std::int64_t id);
  // False for an unknown id.
  bool remove(std::int64_t id);
  // Sets (replaces) the person's label of analysis `id`; nullopt for an unknown id. The caller
  // checks that `label` is one of the model's.
  std::optional<Correction> set_label(std::int64_t id, const std::string& label,
                                      const std::string& by);
  // Takes the label back; false for an unknown id (true when there was none to take back).
  bool clear_label(std::int64_t id);
  // Ids of the labelled analyses, oldest first, and one of them with its recording (nullopt when
  // it was deleted or unlabelled meanwhile): an export reads one recording at a time.
  std::vector<std::int64_t> labelled_ids();
  std::optional<LabelledRecording> labelled(std::int64_t id);

  static std::string database_file(const std::string& data_dir);
  static constexpr int kSchemaVersion = 2;
  // Log frames copied back into the database by background checkpoints so far, and the
  // checkpoints after which the log started again from its beginning.
  long long checkpointed_frames() const;
  long long checkpoint_restarts() const;
  // Background checkpoint passes finished so far; blocks until `n` have (for tests).
  long long checkpoint_passes() const;
  void wait_for_checkpoint_passes(long long n) const;

 private:
  SqliteConnection db_;
  std::mutex mutex_;
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

}  // namespace calmspace::serve
