// The history of analyses, kept in SQLite in the data directory (DATA_DIR/history.sqlite3, WAL
// journal beside it; nothing else is written). One row per analysis: when, the upload's display
// name, duration, predicted label and its probability, the result JSON and the recording itself
// (a BLOB, with the MIME type the server derived from its decoded format). Ids are SQLite's
// AUTOINCREMENT rowids: server-generated, never reused. Thread-safe (one connection, one mutex;
// every statement is short).
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace calmspace::serve {

struct AnalysisSummary {
  std::int64_t id = 0;
  std::string created_at;  // UTC, ISO 8601 with milliseconds: "2026-11-24T04:50:12.345Z"
  std::string name;        // display name of the recording (never used as a path)
  double duration_s = 0;
  std::string predicted;
  double confidence = 0;  // probability of `predicted`
};

struct StoredAudio {
  std::string bytes;
  std::string mime_type;
};

class HistoryStore {
 public:
  // Creates `data_dir` (owner-only permissions) and the database if needed. InputError(data_dir,
  // reason) when it cannot.
  explicit HistoryStore(const std::string& data_dir);
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
  // The summary and the stored result JSON; nullopt for an unknown id.
  std::optional<std::pair<AnalysisSummary, nlohmann::json>> get(std::int64_t id);
  std::optional<StoredAudio> audio(std::int64_t id);
  // False for an unknown id.
  bool remove(std::int64_t id);

  static std::string database_file(const std::string& data_dir);

 private:
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace calmspace::serve
