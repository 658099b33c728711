// The JSON API from an HTTP client against a server on a free local port: every route, every
// error status (all JSON), history paging and deletion, and a restart that keeps the history.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/audio/decode.h"
#include "core/predict/predictor.h"
#include "serve/server_harness.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using testing::json_of;
namespace fs = std::filesystem;

// Every error answer is JSON {"error": non-empty message} with the given status.
void expect_json_error(const httplib::Result& r, int status, const std::string& fragment = "") {
  ASSERT_TRUE(r) << "no response";
  EXPECT_EQ(r->status, status) << r->body;
  EXPECT_THAT(r->get_header_value("Content-Type"), HasSubstr("application/json"));
  const auto j = nlohmann::json::parse(r->body);
  ASSERT_TRUE(j.contains("error")) << r->body;
  EXPECT_FALSE(j["error"].get<std::string>().empty());
  if (!fragment.empty()) {
    EXPECT_THAT(j["error"].get<std::string>(), HasSubstr(fragment));
  }
}

// The history keeps a WAV upload as lossless FLAC: a smaller file with the very same samples.
void expect_flac_of(const std::string& stored, const std::string& wav) {
  const auto as_span = [](const std::string& s) {
    return std::span<const std::byte>(reinterpret_cast<const std::byte*>(s.data()), s.size());
  };
  EXPECT_LT(stored.size(), wav.size());
  const Audio back = decode_audio(as_span(stored), "stored", AudioOptions{});
  const Audio original = decode_audio(as_span(wav), "upload", AudioOptions{});
  EXPECT_EQ(back.source_format, "FLAC PCM_16");
  EXPECT_EQ(back.source_rate, original.source_rate);
  EXPECT_EQ(back.source_channels, original.source_channels);
  EXPECT_TRUE(back.samples == original.samples) << "a sample changed in storage";
}

TEST(ServeApi, HealthAndModelDescribeTheServedModel) {
  testing::ServerHarness server;
  auto c = server.client();
  const auto health = c.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json_of(health)["status"], "ok");
  EXPECT_EQ(json_of(health)["workers"], 2);
  EXPECT_EQ(json_of(health)["max_upload_bytes"], server.options().max_upload_bytes);
  const auto model = c.Get("/api/model");
  ASSERT_TRUE(model);
  ASSERT_EQ(model->status, 200);
  const auto m = json_of(model);
  EXPECT_EQ(m["labels"].get<std::vector<std::string>>(), testing::kRavdessLabels);
  EXPECT_EQ(m["model"]["cell"], "gru");
  EXPECT_EQ(m["model"]["hidden_size"], 8);
  EXPECT_EQ(m["model"]["bidirectional"], true);
  EXPECT_EQ(m["features"]["n_mels"], 16);
  EXPECT_EQ(m["source"], "model.h5");
  EXPECT_EQ(m["card"], testing::kCard);
}

TEST(ServeApi, PostedRecordingIsPredictedStoredAndServedBack) {
  testing::ServerHarness server;
  const std::string wav = testing::voice_wav(server.dir() / "voice.wav", 5.0);
  const auto r = server.post(wav, "my voice.wav");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  const auto a = json_of(r);
  const std::int64_t id = a["id"];
  EXPECT_EQ(r->get_header_value("Location"), "/api/analyses/" + std::to_string(id));
  EXPECT_EQ(a["name"], "my voice.wav");
  EXPECT_EQ(a["source_format"], "WAV PCM_16");
  EXPECT_NEAR(a["duration_s"].get<double>(), 5.0, 1e-9);
  EXPECT_THAT(a["created_at"].get<std::string>(),
              ::testing::MatchesRegex("20[0-9-]+T[0-9:]+\\.[0-9]{3}Z"));

  // The same numbers as a Predictor on the decoded file.
  const Checkpoint checkpoint = testing::fixture_checkpoint();
  Predictor predictor(checkpoint, 1);
  const Audio audio = load_audio((server.dir() / "voice.wav").string(), predictor.config().audio);
  const Prediction p = predictor.predict(audio.samples);
  EXPECT_EQ(a["predicted"], testing::kRavdessLabels[p.predicted]);
  EXPECT_FLOAT_EQ(a["confidence"].get<float>(), p.probabilities[p.predicted]);
  double sum = 0;
  for (std::size_t c = 0; c < p.probabilities.size(); ++c) {
    EXPECT_FLOAT_EQ(a["probabilities"][testing::kRavdessLabels[c]].get<float>(),
                    p.probabilities[c]);
    sum += a["probabilities"][testing::kRavdessLabels[c]].get<double>();
  }
  EXPECT_NEAR(sum, 1.0, 1e-5);
  ASSERT_EQ(a["timeline"].size(), 3u);  // 3 s windows every 1 s over 5 s: starts 0, 1, 2
  EXPECT_EQ(a["timeline"][2]["start_s"], 2.0);
  EXPECT_EQ(a["timeline"][2]["end_s"], 5.0);
  EXPECT_EQ(a["timeline"][1]["predicted"], testing::kRavdessLabels[p.timeline[1].predicted]);
  // Waveform: 600 min/max pairs bracketing the signal.
  ASSERT_EQ(a["waveform"]["points"], 600);
  ASSERT_EQ(a["waveform"]["min"].size(), 600u);
  float peak = 0;
  for (float v : audio.samples) peak = std::max(peak, std::abs(v));
  float drawn = 0;
  for (std::size_t i = 0; i < 600; ++i) {
    EXPECT_LE(a["waveform"]["min"][i].get<double>(), a["waveform"]["max"][i].get<double>());
    drawn = std::max(drawn, a["waveform"]["max"][i].get<float>());
  }
  EXPECT_NEAR(drawn, peak, 1e-3);

  auto c = server.client();
  const auto got = c.Get("/api/analyses/" + std::to_string(id));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(json_of(got), a);
  const auto audio_back = c.Get("/api/analyses/" + std::to_string(id) + "/audio");
  ASSERT_TRUE(audio_back);
  EXPECT_EQ(audio_back->status, 200);
  EXPECT_EQ(audio_back->get_header_value("Content-Type"), "audio/flac");
  EXPECT_EQ(audio_back->get_header_value("X-Content-Type-Options"), "nosniff");
  expect_flac_of(audio_back->body, wav);
  // A player seeks with one byte range: 206 and that slice; several ranges at once are refused
  // (a thousand overlapping ones would multiply the response).
  const std::string url = "/api/analyses/" + std::to_string(id) + "/audio";
  const auto part = c.Get(url, {{"Range", "bytes=100-199"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, audio_back->body.substr(100, 100));
  EXPECT_EQ(part->get_header_value("Content-Range"),
            "bytes 100-199/" + std::to_string(audio_back->body.size()));
  const auto many = c.Get(url, {{"Range", "bytes=0-,0-,0-"}});
  ASSERT_TRUE(many);
  EXPECT_EQ(many->status, 416);
  EXPECT_LT(many->body.size(), 200u);
}

TEST(ServeApi, BadRequestsGetJsonErrorsWithTheRightStatus) {
  testing::ServerHarness server;
  auto c = server.client();
  // 400: not a multipart form, or no "audio" field.
  expect_json_error(c.Post("/api/analyses", "{\"audio\": 1}", "application/json"), 400, "audio");
  const std::string wav = testing::voice_wav(server.dir() / "v.wav", 1.0);
  expect_json_error(server.post(wav, "v.wav", "file"), 400, "'audio'");
  // 400: a recording too short for one feature frame (fixture model: snip-edges framing).
  const std::string blip = testing::voice_wav(server.dir() / "blip.wav", 0.005);
  expect_json_error(server.post(blip, "blip.wav"), 400, "blip.wav: too short");
  // 415: not audio, an audio container that is broken, a playlist FFmpeg must not follow.
  expect_json_error(server.post("hello, I am text\n", "notes.wav"), 415, "notes.wav");
  expect_json_error(
      server.post(std::string("\x89PNG\r\n\x1a\n", 8) + std::string(200, 'x'), "picture.webm"), 415,
      "PNG");
  expect_json_error(server.post(std::string(wav.data(), 30), "cut.wav"), 415, "truncated");
  const std::string webm = testing::encode_with_ffmpeg(
      server.dir() / "v.webm", testing::voice_like(1.0, 48000), 48000, "webm", "libopus");
  expect_json_error(server.post(webm.substr(0, 60), "cut.webm"), 415, "cut.webm");
  expect_json_error(
      server.post("#EXTM3U\n#EXTINF:1,\nfile://" + (server.dir() / "secret.txt").string() + "\n",
                  "list.m3u8"),
      415);
  expect_json_error(server.post("OggS" + std::string(100, '\0'), "broken.ogg"), 415);
  expect_json_error(server.post("", "empty.wav"), 415, "empty");
  // 404: unknown or malformed ids, unknown API routes.
  for (const char* id : {"999", "0", "-1", "abc", "1x", "99999999999999999999999"}) {
    expect_json_error(c.Get(std::string("/api/analyses/") + id), 404, "no analysis");
    expect_json_error(c.Delete(std::string("/api/analyses/") + id), 404, "no analysis");
    expect_json_error(c.Get(std::string("/api/analyses/") + id + "/audio"), 404, "no analysis");
  }
  expect_json_error(c.Get("/api/nothing"), 404);
  expect_json_error(c.Post("/api/nothing", "x", "text/plain"), 404);
  // 400: bad paging.
  for (const char* q : {"limit=0", "limit=101", "limit=abc", "limit=", "offset=-1", "offset=1.5"})
    expect_json_error(c.Get(std::string("/api/analyses?") + q), 400);
  // Nothing was stored by any of these.
  EXPECT_EQ(json_of(c.Get("/api/analyses"))["total"], 0);
}

TEST(ServeApi, UploadOverTheLimitGets413Json) {
  testing::ServerHarness server(/*max_upload_bytes=*/100 * 1024);
  const std::string small = testing::voice_wav(server.dir() / "small.wav", 1.0);  // 32 KB
  const auto ok = server.post(small, "small.wav");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 201) << ok->body;
  const std::string big = testing::voice_wav(server.dir() / "big.wav", 4.0);  // 128 KB
  expect_json_error(server.post(big, "big.wav"), 413, "102400 byte limit");
  EXPECT_EQ(json_of(server.client().Get("/api/analyses"))["total"], 1);
}

TEST(ServeApi, HistoryIsNewestFirstPagedDeletableAndSurvivesARestart) {
  testing::ServerHarness server;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    const std::string wav =
        testing::voice_wav(server.dir() / ("h" + std::to_string(i) + ".wav"), 1.0 + i);
    const auto r = server.post(wav, "clip " + std::to_string(i) + ".wav");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
    ids.push_back(json_of(r)["id"]);
  }
  auto c = server.client();
  auto page = json_of(c.Get("/api/analyses"));
  EXPECT_EQ(page["total"], 3);
  ASSERT_EQ(page["items"].size(), 3u);
  EXPECT_EQ(page["items"][0]["id"], ids[2]);  // newest first
  EXPECT_EQ(page["items"][2]["id"], ids[0]);
  EXPECT_EQ(page["items"][0]["name"], "clip 2.wav");
  EXPECT_NEAR(page["items"][0]["duration_s"].get<double>(), 3.0, 1e-9);
  EXPECT_TRUE(page["items"][0].contains("predicted"));
  EXPECT_FALSE(page["items"][0].contains("waveform"));  // summaries only
  page = json_of(c.Get("/api/analyses?limit=2"));
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["limit"], 2);
  page = json_of(c.Get("/api/analyses?limit=2&offset=2"));
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["id"], ids[0]);

  const auto deleted = c.Delete("/api/analyses/" + std::to_string(ids[1]));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200);
  EXPECT_EQ(json_of(deleted)["deleted"], ids[1]);
  expect_json_error(c.Get("/api/analyses/" + std::to_string(ids[1])), 404);
  expect_json_error(c.Delete("/api/analyses/" + std::to_string(ids[1])), 404);
  const auto before = json_of(c.Get("/api/analyses/" + std::to_string(ids[2])));

  server.restart();
  auto c2 = server.client();
  page = json_of(c2.Get("/api/analyses"));
  EXPECT_EQ(page["total"], 2);
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["id"], ids[2]);
  EXPECT_EQ(page["items"][1]["id"], ids[0]);
  EXPECT_EQ(json_of(c2.Get("/api/analyses/" + std::to_string(ids[2]))), before);
  const auto audio = c2.Get("/api/analyses/" + std::to_string(ids[0]) + "/audio");
  ASSERT_TRUE(audio);
  expect_flac_of(audio->body, testing::read_file(server.dir() / "h0.wav"));
  // A new analysis after the restart gets a new id, never a deleted one.
  const auto again = server.post(testing::read_file(server.dir() / "h0.wav"), "again.wav");
  ASSERT_TRUE(again);
  EXPECT_GT(json_of(again)["id"].get<std::int64_t>(), ids[2]);
}

TEST(ServeApi, NothingIsWrittenOutsideTheDataDirectory) {
  testing::ServerHarness server;
  std::set<fs::path> before;
  for (const auto& e : fs::recursive_directory_iterator(server.dir().path())) before.insert(e);
  const std::string wav = testing::voice_wav(server.dir() / "x.wav", 1.0);
  before.insert(server.dir() / "x.wav");
  for (const char* name : {"../../escape.wav", "..\\..\\escape2.wav", "/tmp/escape3.wav",
                           "sub/../../escape4.wav", "%2e%2e%2fescape5.wav"}) {
    const auto r = server.post(wav, name);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
    const std::string shown = json_of(r)["name"];
    EXPECT_EQ(shown.find('/'), std::string::npos) << shown;
    EXPECT_EQ(shown.find('\\'), std::string::npos) << shown;
  }
  server.client().Delete("/api/analyses/1");
  for (const auto& e : fs::recursive_directory_iterator(server.dir().path())) {
    if (before.count(e.path())) continue;
    // Only the data directory and the database files in it are new.
    EXPECT_EQ(e.path().parent_path(), server.dir() / "data") << e.path();
    EXPECT_THAT(e.path().filename().string(), ::testing::StartsWith("history.sqlite3"));
  }
  for (const char* escaped :
       {"escape.wav", "escape2.wav", "escape3.wav", "escape4.wav", "escape5.wav"}) {
    EXPECT_FALSE(fs::exists(server.dir().path().parent_path() / escaped));
    EXPECT_FALSE(fs::exists(fs::path("/tmp") / escaped));
  }
}

}  // namespace
}  // namespace calmspace
