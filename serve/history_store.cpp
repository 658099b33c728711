#include "serve/history_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iterator>

#include "core/base/error.h"
#include "serve/wal_checkpointer.h"

namespace calmspace::serve {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS analyses (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at  TEXT NOT NULL,
  name        TEXT NOT NULL,
  duration_s  REAL NOT NULL,
  predicted   TEXT NOT NULL,
  confidence  REAL NOT NULL,
  result      TEXT NOT NULL,
  audio       BLOB NOT NULL,
  audio_type  TEXT NOT NULL
);
)sql";

// Version 2 adds the person's label (history_store.h): these columns, each added when missing.
// A new file (version 0, the table above) takes the same path as a version 1 file.
constexpr const char* kVersion2Columns[] = {"label", "label_by", "labelled_at"};

// A prepared statement, finalised on scope exit; step() checks errors.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, stmt_.out(), nullptr) != SQLITE_OK)
      throw Error(cat("sqlite: ", sqlite3_errmsg(db), " in: ", sql));
  }

  Statement& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(stmt_.get(), i, v)); }
  Statement& bind(int i, double v) { return check(sqlite3_bind_double(stmt_.get(), i, v)); }
  Statement& bind(int i, const std::string& v) {
    return check(
        sqlite3_bind_text(stmt_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Statement& bind_blob(int i, const std::string& v) {
    return check(sqlite3_bind_blob64(stmt_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT));
  }
  // True while a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(cat("sqlite: ", sqlite3_errmsg(db_)));
  }
  std::int64_t integer(int col) { return sqlite3_column_int64(stmt_.get(), col); }
  bool is_null(int col) { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }
  double real(int col) { return sqlite3_column_double(stmt_.get(), col); }
  std::string text(int col) {
    const void* p = sqlite3_column_blob(stmt_.get(), col);
    const int n = sqlite3_column_bytes(stmt_.get(), col);
    return p ? std::string(static_cast<const char*>(p), n) : std::string();
  }

 private:
  Statement& check(int rc) {
    if (rc != SQLITE_OK) throw Error(cat("sqlite bind: ", sqlite3_errmsg(db_)));
    return *this;
  }
  sqlite3* db_;
  SqliteStatement stmt_;
};

constexpr const char* kSummaryColumns =
    "id, created_at, name, duration_s, predicted, confidence, label, label_by, labelled_at";
constexpr int kSummaryColumnCount = 9;

AnalysisSummary read_summary(Statement& s) {
  AnalysisSummary out{s.integer(0), s.text(1), s.text(2), s.real(3), s.text(4), s.real(5), {}};
  if (!s.is_null(6)) out.correction = Correction{s.text(6), s.text(7), s.text(8)};
  return out;
}

void exec_or_throw(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string reason = error ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    throw Error(reason);
  }
}

bool has_column(sqlite3* db, const std::string& column) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('analyses')", -1, &raw, nullptr) !=
      SQLITE_OK)
    throw Error(cat("sqlite: ", sqlite3_errmsg(db)));
  bool found = false;
  while (!found && sqlite3_step(raw) == SQLITE_ROW) {
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
    found = name && column == name;
  }
  sqlite3_finalize(raw);
  return found;
}

int schema_version(sqlite3* db);

// Brings the file to kSchemaVersion inside one write transaction: the version is read again once
// the lock is held (another process may have migrated it meanwhile) and only missing columns are
// added (a file an older CalmSpace marked version 1 again may have them already). InputError
// naming `file` for a file of a newer version.
void migrate(sqlite3* db, const std::string& file, int known) {
  exec_or_throw(db, "BEGIN IMMEDIATE");
  try {
    const int version = schema_version(db);
    if (version > known)
      throw InputError(file, cat("was written by a newer CalmSpace (history schema ", version,
                                 ", this one knows ", known, "); upgrade CalmSpace"));
    if (version < known) {
      for (const char* column : kVersion2Columns)
        if (!has_column(db, column))
          exec_or_throw(db, cat("ALTER TABLE analyses ADD COLUMN ", column, " TEXT"));
      exec_or_throw(db, cat("PRAGMA user_version = ", known));
    }
    exec_or_throw(db, "COMMIT");
  } catch (const InputError&) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  } catch (const Error& e) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw InputError(file, cat("cannot add the corrections columns (", e.what(), ")"));
  }
}

int schema_version(sqlite3* db) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &raw, nullptr) != SQLITE_OK)
    throw Error(cat("sqlite: ", sqlite3_errmsg(db)));
  const int version = sqlite3_step(raw) == SQLITE_ROW ? sqlite3_column_int(raw, 0) : 0;
  sqlite3_finalize(raw);
  return version;
}

// The data folder holds people's voices: never a system folder or a home folder itself, where
// forcing owner-only modes would break the system or the user's other files.
void refuse_system_folder(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(data_dir, ec), ec);
  const std::string s = p.lexically_normal().string();
  static const char* const kSystem[] = {"/",    "/bin",   "/boot",  "/dev",    "/etc",    "/home",
                                        "/lib", "/lib32", "/lib64", "/libx32", "/media",  "/mnt",
                                        "/opt", "/proc",  "/root",  "/run",    "/sbin",   "/srv",
                                        "/sys", "/tmp",   "/usr",   "/var",    "/var/tmp"};
  bool system = std::find(std::begin(kSystem), std::end(kSystem), s) != std::end(kSystem);
  for (const char* tree :
       {"/proc/", "/sys/", "/dev/", "/etc/", "/boot/", "/usr/", "/bin/", "/sbin/"})
    system = system || s.starts_with(tree);
  const char* home = std::getenv("HOME");
  if (home && *home && fs::weakly_canonical(home, ec) == p) system = true;
  if (system)
    throw InputError(data_dir,
                     "is a system or home folder; give CalmSpace a folder of its own "
                     "(its modes are set to owner-only), e.g. --data calmspace-data");
}

// Owner-only: the folder 0700, the database and its -wal / -shm files 0600 (SQLite creates the
// latter two with the database file's mode).
void make_owner_only(const std::string& data_dir, const std::string& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::permissions(data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec)
    throw InputError(data_dir, "cannot make the data folder owner-only (" + ec.message() + ")");
  for (const std::string& f : {file, file + "-wal", file + "-shm", file + "-journal"}) {
    if (!fs::exists(f, ec)) continue;
    fs::permissions(f, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace,
                    ec);
    if (ec) throw InputError(f, "cannot make it owner-only (" + ec.message() + ")");
  }
}

}  // namespace

std::string now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

std::string HistoryStore::database_file(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "history.sqlite3").string();
}

HistoryStore::HistoryStore(const std::string& data_dir, int wal_restart_pages) {
  namespace fs = std::filesystem;
  std::error_code ec;
  refuse_system_folder(data_dir);
  if (!fs::exists(data_dir, ec)) {
    fs::create_directories(data_dir, ec);
    if (ec) throw InputError(data_dir, "cannot create the data directory (" + ec.message() + ")");
  }
  if (!fs::is_directory(data_dir, ec)) throw InputError(data_dir, "not a directory");
  const std::string file = database_file(data_dir);
  make_owner_only(data_dir, file);
  const int rc = sqlite3_open_v2(
      file.c_str(), db_.out(),
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
      nullptr);
  if (rc != SQLITE_OK)
    throw InputError(file, cat("cannot open the history database (",
                               db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc), ")"));
  make_owner_only(data_dir, file);  // before the log files exist: they take the database's mode
  sqlite3_busy_timeout(db_.get(), 5000);
  char* error = nullptr;
  const std::string setup =
      std::string(
          "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON; "
          "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=536870912;") +
      kSchema;  // secure_delete: a deleted recording is overwritten, not left in free pages;
                // no auto-checkpoint: the WalCheckpointer copies the log back in the background
  if (sqlite3_exec(db_.get(), setup.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string reason = error ? error : "unknown error";
    sqlite3_free(error);
    throw InputError(file, "not a usable history database (" + reason + ")");
  }
  if (schema_version(db_.get()) != kSchemaVersion) migrate(db_.get(), file, kSchemaVersion);
  try {
    // Every 100 ms; by default the log restarts from its beginning once past 256 MiB (under a
    // stream of 4 s recordings, one restart every few seconds), and journal_size_limit trims a
    // longer log file to 512 MiB when it restarts.
    checkpointer_ = std::make_unique<WalCheckpointer>(file, std::chrono::milliseconds(100),
                                                      wal_restart_pages, mutex_);
  } catch (const Error& e) {
    throw InputError(file, e.what());
  }
}

HistoryStore::~HistoryStore() {
  checkpointer_.reset();  // its connection closes first; the last close (db_'s) checkpoints
}

long long HistoryStore::checkpointed_frames() const {
  return checkpointer_->checkpointed_frames();
}

long long HistoryStore::checkpoint_restarts() const {
  return checkpointer_->restarts();
}

long long HistoryStore::checkpoint_passes() const {
  return checkpointer_->passes();
}

void HistoryStore::wait_for_checkpoint_passes(long long n) const {
  checkpointer_->wait_for_passes(n);
}

AnalysisSummary HistoryStore::add(const std::string& name, double duration_s,
                                  const std::string& predicted, double confidence,
                                  const nlohmann::json& result, const std::string& audio,
                                  const std::string& mime_type) {
  AnalysisSummary s{0, now_iso8601(), name, duration_s, predicted, confidence, {}};
  const std::string result_text = result.dump();
  std::lock_guard lock(mutex_);
  Statement insert(db_.get(),
                   "INSERT INTO analyses (created_at, name, duration_s, predicted, confidence, "
                   "result, audio, audio_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, s.created_at).bind(2, name).bind(3, duration_s).bind(4, predicted);
  insert.bind(5, confidence).bind(6, result_text).bind_blob(7, audio).bind(8, mime_type);
  insert.step();
  s.id = sqlite3_last_insert_rowid(db_.get());
  return s;
}

std::vector<AnalysisSummary> HistoryStore::list(int limit, std::int64_t offset) {
  std::lock_guard lock(mutex_);
  Statement q(db_.get(), (std::string("SELECT ") + kSummaryColumns +
                          " FROM analyses ORDER BY id DESC LIMIT ? OFFSET ?")
                             .c_str());
  q.bind(1, std::int64_t{limit}).bind(2, offset);
  std::vector<AnalysisSummary> out;
  while (q.step()) out.push_back(read_summary(q));
  return out;
}

std::int64_t HistoryStore::count() {
  std::lock_guard lock(mutex_);
  Statement q(db_.get(), "SELECT COUNT(*) FROM analyses");
  q.step();
  return q.integer(0);
}

std::int64_t HistoryStore::labelled_count() {
  std::lock_guard lock(mutex_);
  Statement q(db_.get(), "SELECT COUNT(*) FROM analyses WHERE label IS NOT NULL");
  q.step();
  return q.integer(0);
}

std::optional<std::pair<AnalysisSummary, nlohmann::json>> HistoryStore::get(std::int64_t id) {
  std::string result;
  AnalysisSummary summary;
  {
    std::lock_guard lock(mutex_);
    Statement q(
        db_.get(),
        (std::string("SELECT ") + kSummaryColumns + ", result FROM analyses WHERE id = ?").c_str());
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    summary = read_summary(q);
    result = q.text(kSummaryColumnCount);
  }
  return std::make_pair(summary, nlohmann::json::parse(result));
}

std::optional<StoredAudio> HistoryStore::audio(std::int64_t id) {
  std::lock_guard lock(mutex_);
  Statement q(db_.get(), "SELECT audio, audio_type FROM analyses WHERE id = ?");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return StoredAudio{q.text(0), q.text(1)};
}

std::optional<Correction> HistoryStore::set_label(std::int64_t id, const std::string& label,
                                                  const std::string& by) {
  Correction c{label, by, now_iso8601()};
  std::lock_guard lock(mutex_);
  Statement update(db_.get(),
                   "UPDATE analyses SET label = ?, label_by = ?, labelled_at = ? WHERE id = ?");
  update.bind(1, c.label).bind(2, c.by).bind(3, c.at).bind(4, id);
  update.step();
  if (sqlite3_changes(db_.get()) == 0) return std::nullopt;
  return c;
}

bool HistoryStore::clear_label(std::int64_t id) {
  std::lock_guard lock(mutex_);
  Statement update(
      db_.get(),
      "UPDATE analyses SET label = NULL, label_by = NULL, labelled_at = NULL WHERE id = ?");
  update.bind(1, id);
  update.step();
  return sqlite3_changes(db_.get()) > 0;
}

std::vector<std::int64_t> HistoryStore::labelled_ids() {
  std::lock_guard lock(mutex_);
  Statement q(db_.get(), "SELECT id FROM analyses WHERE label IS NOT NULL ORDER BY id");
  std::vector<std::int64_t> ids;
  while (q.step()) ids.push_back(q.integer(0));
  return ids;
}

std::optional<LabelledRecording> HistoryStore::labelled(std::int64_t id) {
  std::lock_guard lock(mutex_);
  Statement q(db_.get(),
              "SELECT name, label, audio, audio_type FROM analyses "
              "WHERE id = ? AND label IS NOT NULL");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return LabelledRecording{id, q.text(0), q.text(1), StoredAudio{q.text(2), q.text(3)}};
}

bool HistoryStore::remove(std::int64_t id) {
  std::lock_guard lock(mutex_);
  Statement del(db_.get(), "DELETE FROM analyses WHERE id = ?");
  del.bind(1, id);
  del.step();
  return sqlite3_changes(db_.get()) > 0;
}

}  // namespace calmspace::serve
