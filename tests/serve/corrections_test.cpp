// Corrections (issue 25): an analysis marked right or corrected through the API keeps the label,
// who gave it and when, survives a restart, can be taken back, and is refused when the label is
// not the model's; a version 1 history gains the columns when opened; `history export` writes
// the labelled recordings as a manifest and FLAC files that `prepare csv` reads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "core/audio/decode.h"
#include "core/base/error.h"
#include "core/config/config.h"
#include "core/dataset/dataset_file.h"
#include "core/dataset/prepare.h"
#include "datasets/adapters.h"
#include "serve/history_export.h"
#include "serve/history_store.h"
#include "serve/server_harness.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using testing::json_of;
namespace fs = std::filesystem;

httplib::Result put_label(const testing::ServerHarness& server, std::int64_t id,
                          const std::string& body) {
  return server.client().Put("/api/analyses/" + std::to_string(id) + "/label", body,
                             "application/json");
}

TEST(Corrections, ALabelIsKeptWithWhoAndWhenAndCanBeTakenBack) {
  testing::ServerHarness server;
  const std::string wav = testing::voice_wav(server.dir() / "v.wav", 2.0);
  const auto posted = server.post(wav, "v.wav");
  ASSERT_EQ(posted->status, 201) << posted->body;
  const std::int64_t id = json_of(posted)["id"];
  EXPECT_TRUE(json_of(posted)["correction"].is_null());

  const auto r = put_label(server, id, R"({"label": "angry"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto a = json_of(r);
  EXPECT_EQ(a["correction"]["label"], "angry");
  EXPECT_EQ(a["correction"]["by"], "user");
  EXPECT_THAT(a["correction"]["at"].get<std::string>(),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z"));
  EXPECT_EQ(a["predicted"], json_of(posted)["predicted"]);  // the prediction stays beside it

  server.restart();
  const auto listed = server.client().Get("/api/analyses");
  ASSERT_EQ(listed->status, 200);
  EXPECT_EQ(json_of(listed)["items"][0]["correction"]["label"], "angry");

  const auto undone = server.client().Delete("/api/analyses/" + std::to_string(id) + "/label");
  ASSERT_EQ(undone->status, 200) << undone->body;
  EXPECT_TRUE(json_of(undone)["correction"].is_null());
  const auto again = server.client().Get("/api/analyses/" + std::to_string(id));
  EXPECT_TRUE(json_of(again)["correction"].is_null());
}

TEST(Corrections, LabelsOutsideTheModelAndUnknownIdsAreRefused) {
  testing::ServerHarness server;
  const auto posted = server.post(testing::voice_wav(server.dir() / "v.wav", 2.0), "v.wav");
  const std::int64_t id = json_of(posted)["id"];
  const auto bad = put_label(server, id, R"({"label": "bored"})");
  ASSERT_EQ(bad->status, 400);
  EXPECT_THAT(json_of(bad)["error"].get<std::string>(), HasSubstr("not one of the model's labels"));
  EXPECT_EQ(put_label(server, id, "not json")->status, 400);
  EXPECT_EQ(put_label(server, id, R"({"label": 3})")->status, 400);
  EXPECT_EQ(put_label(server, id, R"({"label": "sad", "by": ""})")->status, 400);
  EXPECT_EQ(put_label(server, id + 1, R"({"label": "sad"})")->status, 404);
  EXPECT_EQ(server.client().Delete("/api/analyses/999/label")->status, 404);
  const auto who = put_label(server, id, R"({"label": "sad", "by": "Ana"})");
  ASSERT_EQ(who->status, 200);
  EXPECT_EQ(json_of(who)["correction"]["by"], "Ana");
}

TEST(Corrections, AVersionOneHistoryGainsTheColumnsAndKeepsItsAnalyses) {
  testing::ScratchDir dir;
  const std::string data = (dir / "data").string();
  fs::create_directories(data);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(serve::HistoryStore::database_file(data).c_str(), &db), SQLITE_OK);
  const char* v1 = R"sql(
    CREATE TABLE analyses (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,
      name TEXT NOT NULL, duration_s REAL NOT NULL, predicted TEXT NOT NULL,
      confidence REAL NOT NULL, result TEXT NOT NULL, audio BLOB NOT NULL,
      audio_type TEXT NOT NULL);
    INSERT INTO analyses VALUES (NULL, '2026-11-24T04:50:12.345Z', 'old.wav', 3.0, 'calm', 0.4,
      '{}', x'00', 'audio/wav');
    PRAGMA user_version = 1;)sql";
  ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  serve::HistoryStore store(data);
  ASSERT_EQ(store.count(), 1);
  const auto old = store.get(1);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->first.name, "old.wav");
  EXPECT_FALSE(old->first.correction);
  ASSERT_TRUE(store.set_label(1, "sad", "user"));
  EXPECT_EQ(store.get(1)->first.correction->label, "sad");
}

TEST(Corrections, AFileAnOlderCalmSpaceMarkedVersionOneAgainOpensWithItsLabels) {
  // An older CalmSpace sets user_version = 1 on every open; the columns are then there already.
  testing::ScratchDir dir;
  const std::string data = (dir / "data").string();
  {
    serve::HistoryStore store(data);
    store.add("a.wav", 1.0, "calm", 0.5, {}, "x", "audio/wav");
    ASSERT_TRUE(store.set_label(1, "angry", "user"));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(serve::HistoryStore::database_file(data).c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 1", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  serve::HistoryStore reopened(data);
  const auto a = reopened.get(1);
  ASSERT_TRUE(a && a->first.correction);
  EXPECT_EQ(a->first.correction->label, "angry");
  // Two stores on one file (the server and an export): the second finds it migrated.
  serve::HistoryStore second(data);
  EXPECT_EQ(second.count(), 1);
}

TEST(Corrections, ANewerHistoryIsRefused) {
  testing::ScratchDir dir;
  const std::string data = (dir / "data").string();
  { serve::HistoryStore store(data); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(serve::HistoryStore::database_file(data).c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  try {
    serve::HistoryStore store(data);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.reason(), HasSubstr("newer CalmSpace"));
  }
}

TEST(Corrections, ExportWritesAManifestAndFlacFilesThatPrepareReads) {
  testing::ScratchDir dir;
  const std::string data = (dir / "data").string();
  serve::HistoryStore store(data);
  const std::string wav = testing::voice_wav(dir / "v.wav", 1.0);
  // Five analyses: three labelled angry, one sad, one labelled and taken back.
  for (int i = 0; i < 5; ++i) store.add("v.wav", 1.0, "calm", 0.3, {}, wav, "audio/wav");
  store.set_label(1, "angry", "user");
  store.set_label(2, "angry", "user");
  store.set_label(3, "sad", "user");
  store.set_label(5, "angry", "user");
  store.set_label(4, "happy", "user");
  ASSERT_TRUE(store.clear_label(4));
  const std::string csv = (dir / "mine.csv").string();
  serve::ExportOptions options;
  options.holdout = 0.34;  // one of three angry clips, none of the single sad one
  const serve::ExportReport report = serve::export_corrections(store, csv, options);
  EXPECT_EQ(report.written, 4);
  EXPECT_EQ(report.held_out, 1);
  EXPECT_TRUE(report.skipped.empty());
  EXPECT_EQ(testing::read_text_file(csv),
            "path,label,speaker,split\n"
            "mine/1.flac,angry,user,train\n"
            "mine/2.flac,angry,user,train\n"
            "mine/3.flac,sad,user,train\n"
            "mine/5.flac,angry,user,valid\n");
  const Audio back = load_audio((dir / "mine" / "1.flac").string(), AudioOptions{});
  const Audio original = load_audio((dir / "v.wav").string(), AudioOptions{});
  EXPECT_EQ(back.samples, original.samples);  // 16-bit in, 16-bit FLAC out: the same samples

  // prepare reads it onto the model's labels; one person, one fold, the split column decides.
  Config config =
      resolve_config("", {"data.labels=[neutral,calm,happy,sad,angry,fearful,disgust,surprised]"});
  const auto prepared = prepare_dataset(list_csv_manifest(csv), config, (dir / "mine.h5").string());
  EXPECT_EQ(prepared.clips_written, 4);
  const DatasetFile f((dir / "mine.h5").string());
  EXPECT_EQ(f.label_names().size(), 8u);
  EXPECT_EQ(f.header().num_folds, 1);

  // Nothing is replaced without asking.
  try {
    serve::export_corrections(store, csv, options);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.reason(), HasSubstr("--overwrite"));
  }
  options.overwrite = true;
  EXPECT_EQ(serve::export_corrections(store, csv, options).written, 4);
}

TEST(Corrections, ExportWithNothingLabelledSaysSo) {
  testing::ScratchDir dir;
  serve::HistoryStore store((dir / "data").string());
  store.add("v.wav", 1.0, "calm", 0.3, {}, "not audio", "audio/wav");
  try {
    serve::export_corrections(store, (dir / "x.csv").string(), {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.reason(), HasSubstr("no analysis in the history has a label"));
  }
  // A labelled recording that no longer decodes is skipped and reported; with nothing else,
  // nothing is written.
  store.set_label(1, "sad", "user");
  EXPECT_THROW(serve::export_corrections(store, (dir / "y.csv").string(), {}), InputError);
  EXPECT_FALSE(fs::exists(dir / "y.csv"));
  EXPECT_FALSE(fs::exists(dir / "y"));
  EXPECT_FALSE(fs::exists(dir / ".y.export-tmp"));
}

TEST(Corrections, ExportNeverReplacesWhatItDidNotMake) {
  testing::ScratchDir dir;
  const std::string data = (dir / "data").string();
  serve::HistoryStore store(data);
  store.add("v.wav", 1.0, "calm", 0.3, {}, testing::voice_wav(dir / "v.wav", 1.0), "audio/wav");
  store.set_label(1, "sad", "user");
  serve::ExportOptions options;
  options.data_dir = data;
  options.overwrite = true;
  const auto refused = [&](const fs::path& out, const std::string& why) {
    try {
      serve::export_corrections(store, out.string(), options);
      ADD_FAILURE() << out << " was exported";
    } catch (const InputError& e) {
      EXPECT_THAT(e.reason(), HasSubstr(why)) << out;
    }
  };
  refused(dir / "data.csv", "data folder");  // its recordings folder would be the data folder
  refused(dir / "data" / "in.csv", "data folder");
  refused(dir / "mine", ".csv");
  // A folder of the export's name holding someone else's file stays as it is.
  fs::create_directories(dir / "corpus");
  testing::write_file(dir / "corpus" / "notes.txt", "mine");
  refused(dir / "corpus.csv", "did not make");
  EXPECT_EQ(testing::read_text_file(dir / "corpus" / "notes.txt"), "mine");
  // An earlier export's folder is replaced whole.
  EXPECT_EQ(serve::export_corrections(store, (dir / "ok.csv").string(), options).written, 1);
  EXPECT_EQ(serve::export_corrections(store, (dir / "ok.csv").string(), options).written, 1);
  EXPECT_TRUE(fs::exists(dir / "ok" / "1.flac"));
  EXPECT_FALSE(fs::exists(dir / ".ok.export-tmp"));
}

}  // namespace
}  // namespace calmspace
