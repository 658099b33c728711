// Voice enrolment in the server (issue 25; serve/voice_profile.h, voice_routes.h): a reading (or
// recordings of the history) gives the person's voice statistics, which are folded into the model
// that answers their uploads exactly as core/predict/voice_enrolment.h folds them; the enrolment
// survives a restart, is forgotten on request (the plain model's answers return exactly), and is
// refused with the reason for a model without speaker normalisation, a reading too short, a bad
// body or an unknown analysis. ModelChoice keeps the voice when a personal model arrives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/audio/decode.h"
#include "core/audio/encode.h"
#include "core/predict/predictor.h"
#include "core/predict/voice_enrolment.h"
#include "serve/live_socket.h"
#include "serve/model_choice.h"
#include "serve/server_harness.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using testing::json_of;
namespace fs = std::filesystem;

// A reading: another stretch of voice than the test clips, at half their level.
std::string reading_wav(const fs::path& path, double seconds) {
  std::vector<float> v = testing::voice_like(seconds, 16000, 29);
  for (float& x : v) x *= 0.5f;
  write_wav16(path.string(), v, 16000);
  return testing::read_file(path);
}

std::vector<float> decoded(const std::string& wav) {
  AudioOptions options;
  options.sample_rate = 16000;
  return decode_audio(std::as_bytes(std::span(wav.data(), wav.size())), "x.wav", options).samples;
}

httplib::Result post_reading(const testing::ServerHarness& server, const std::string& bytes,
                             const std::string& name = "reading.wav") {
  httplib::MultipartFormDataItems items = {{"audio", bytes, name, "audio/wav"}};
  return server.client().Post("/api/voice", items);
}

nlohmann::json voice_status(const testing::ServerHarness& server) {
  const auto r = server.client().Get("/api/voice");
  EXPECT_EQ(r->status, 200);
  return json_of(r);
}

std::vector<double> probabilities_of(const nlohmann::json& analysis) {
  std::vector<double> p;
  for (const auto& label : testing::kRavdessLabels)
    p.push_back(analysis["probabilities"][label].get<double>());
  return p;
}

// A server on the fixture model trained "with speaker normalisation", its file in `dir`.
std::unique_ptr<testing::ServerHarness> speaker_norm_server(const testing::ScratchDir& dir) {
  const fs::path model = dir / "speaker_norm.h5";
  testing::write_fixture_model(model, "# speaker-norm fixture\n", /*speaker_norm=*/true);
  return std::make_unique<testing::ServerHarness>(
      8u << 20, [&](serve::ServerOptions& o) { o.model_path = model.string(); });
}

TEST(VoiceEnrolment, AModelWithoutSpeakerNormalisationSaysWhyAndRefuses) {
  testing::ServerHarness server;  // the plain fixture model
  const auto s = voice_status(server);
  EXPECT_EQ(s["supported"], false);
  EXPECT_THAT(s["why_not"].get<std::string>(), HasSubstr("features.speaker_norm"));
  EXPECT_EQ(s["enrolled"], false);
  EXPECT_GT(s["prompt"].get<std::string>().size(), 100u);
  const auto r = post_reading(server, reading_wav(server.dir() / "r.wav", 8.0));
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_THAT(json_of(r)["error"].get<std::string>(), HasSubstr("speaker normalisation"));
  EXPECT_FALSE(fs::exists(server.dir() / "data" / "personal" / "voice.json"));
}

TEST(VoiceEnrolment, AReadingIsFoldedIntoTheModelKeptAcrossRestartsAndForgotten) {
  testing::ScratchDir dir;
  const auto server = speaker_norm_server(dir);
  const std::string clip = testing::voice_wav(dir / "clip.wav", 2.0);
  const auto plain = server->post(clip, "clip.wav");
  ASSERT_EQ(plain->status, 201) << plain->body;
  EXPECT_EQ(json_of(plain)["enrolled"], false);
  EXPECT_EQ(voice_status(*server)["supported"], true);
  EXPECT_EQ(voice_status(*server)["label"], "");  // the fixture's statistics came from every clip

  const std::string reading = reading_wav(dir / "reading.wav", 8.0);
  const auto enrolled = post_reading(*server, reading);
  ASSERT_EQ(enrolled->status, 200) << enrolled->body;
  const auto s = json_of(enrolled);
  EXPECT_EQ(s["enrolled"], true);
  EXPECT_EQ(s["source"], "reading");
  EXPECT_EQ(s["recordings"], 1);
  EXPECT_NEAR(s["seconds"].get<double>(), 8.0, 0.01);

  // The same clip now: answered with the voice folded in, as core's enrolment computes it (the
  // API gives probabilities to 4 decimals).
  const auto again = server->post(clip, "clip.wav");
  ASSERT_EQ(again->status, 201) << again->body;
  EXPECT_EQ(json_of(again)["enrolled"], true);
  const Checkpoint model = testing::fixture_checkpoint(7, /*speaker_norm=*/true);
  const std::vector<std::vector<float>> readings{decoded(reading)};
  Predictor oracle(enrolled_model(model, "fixture", voice_statistics(model, "fixture", readings)),
                   1);
  const Prediction expected = oracle.predict(decoded(clip));
  const std::vector<double> got = probabilities_of(json_of(again));
  for (std::size_t c = 0; c < got.size(); ++c)
    EXPECT_NEAR(got[c], expected.probabilities[c], 6e-5) << testing::kRavdessLabels[c];
  const std::vector<double> before = probabilities_of(json_of(plain));
  double moved = 0;
  for (std::size_t c = 0; c < got.size(); ++c)
    moved = std::max(moved, std::abs(got[c] - before[c]));
  EXPECT_GT(moved, 1e-3) << "the voice's statistics change the answer";

  // Kept in the data folder: a restarted server is still enrolled and answers the same.
  server->restart();
  EXPECT_EQ(voice_status(*server)["enrolled"], true);
  const auto restarted = server->post(clip, "clip.wav");
  EXPECT_EQ(probabilities_of(json_of(restarted)), got);

  // Forgotten: the plain model's answer exactly, and nothing left in the data folder.
  const auto forgotten = server->client().Delete("/api/voice");
  ASSERT_EQ(forgotten->status, 200);
  EXPECT_EQ(json_of(forgotten)["enrolled"], false);
  EXPECT_FALSE(fs::exists(server->dir() / "data" / "personal" / "voice.json"));
  const auto after = server->post(clip, "clip.wav");
  EXPECT_EQ(json_of(after)["enrolled"], false);
  EXPECT_EQ(probabilities_of(json_of(after)), before);
}

TEST(VoiceEnrolment, ShortReadingsBadBodiesAndUnknownAnalysesAreRefusedAndChangeNothing) {
  testing::ScratchDir dir;
  const auto server = speaker_norm_server(dir);
  auto r = post_reading(*server, reading_wav(dir / "short.wav", 2.0));
  EXPECT_EQ(r->status, 400);
  EXPECT_THAT(json_of(r)["error"].get<std::string>(), HasSubstr("at least 5 s"));
  r = post_reading(*server, "hello, I am text\n", "notes.wav");
  EXPECT_EQ(r->status, 415);
  EXPECT_THAT(json_of(r)["error"].get<std::string>(), HasSubstr("notes.wav"));
  r = server->client().Post("/api/voice", R"({"analyses": [987654]})", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_THAT(json_of(r)["error"].get<std::string>(), HasSubstr("987654"));
  for (const char* body : {"{}", R"({"analyses": []})", R"({"analyses": ["x"]})", "not json"}) {
    r = server->client().Post("/api/voice", body, "application/json");
    EXPECT_EQ(r->status, 400) << body;
  }
  EXPECT_EQ(voice_status(*server)["enrolled"], false);
  EXPECT_FALSE(fs::exists(server->dir() / "data" / "personal" / "voice.json"));
}

TEST(VoiceEnrolment, SilentManyFileAndRepeatedIdRequestsAreJudgedAsWhatTheyHold) {
  testing::ScratchDir dir;
  const auto server = speaker_norm_server(dir);
  // A muted microphone: long enough, but no speech.
  const std::vector<float> silence(16000 * 8, 0.0f);
  write_wav16((dir / "muted.wav").string(), silence, 16000);
  auto r = post_reading(*server, testing::read_file(dir / "muted.wav"));
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_THAT(json_of(r)["error"].get<std::string>(), HasSubstr("too quiet"));
  // Two 3 s files in one form make one 6 s voice.
  const std::string part = reading_wav(dir / "part.wav", 3.0);
  httplib::MultipartFormDataItems items = {{"audio", part, "a.wav", "audio/wav"},
                                           {"audio", part, "b.wav", "audio/wav"}};
  r = server->client().Post("/api/voice", items);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json_of(r)["recordings"], 2);
  EXPECT_NEAR(json_of(r)["seconds"].get<double>(), 6.0, 0.01);
  // One 3 s analysis named twice counts once: too short.
  const auto posted = server->post(part, "part.wav");
  const std::int64_t id = json_of(posted)["id"];
  r = server->client().Post("/api/voice", nlohmann::json{{"analyses", {id, id}}}.dump(),
                            "application/json");
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_THAT(json_of(r)["error"].get<std::string>(), HasSubstr("at least 5 s"));
}

TEST(VoiceEnrolment, AKeptVoiceWithBadStatisticsIsIgnoredAndTheServerStarts) {
  testing::ScratchDir dir;
  auto server = speaker_norm_server(dir);
  ASSERT_EQ(post_reading(*server, reading_wav(dir / "reading.wav", 6.0))->status, 200);
  const fs::path kept = server->dir() / "data" / "personal" / "voice.json";
  const nlohmann::json good = nlohmann::json::parse(testing::read_file(kept));
  // Fields of the wrong JSON kind, a mean beyond float, a std of the wrong length.
  const std::vector<std::pair<std::string, std::function<void(nlohmann::json&)>>> spoilers = {
      {"a numeric fingerprint", [](nlohmann::json& j) { j["base_fingerprint"] = 42; }},
      {"a text mean", [](nlohmann::json& j) { j["mean"] = "x"; }},
      {"a mean of 1e300", [](nlohmann::json& j) { j["mean"][0] = 1e300; }},
      {"two stds",
       [](nlohmann::json& j) {
         j["std"] = {1.0, 2.0};
       }},
  };
  for (const auto& [what, spoil] : spoilers) {
    nlohmann::json bad = good;
    spoil(bad);
    testing::write_file(kept, bad.dump());
    server->restart();  // starts: the voice is simply not used
    const auto s = voice_status(*server);
    EXPECT_EQ(s["enrolled"], false) << what;
    EXPECT_TRUE(s.contains("note")) << what;
  }
  // A frame count of the wrong kind is only a count: the statistics still serve.
  nlohmann::json odd = good;
  odd["frames"] = "x";
  testing::write_file(kept, odd.dump());
  server->restart();
  EXPECT_EQ(voice_status(*server)["enrolled"], true);
}

// The last update of a live stream of `pcm` (16-bit, 16 kHz), stopped without storing.
nlohmann::json live_final_update(const testing::ServerHarness& server,
                                 const std::vector<std::int16_t>& pcm, nlohmann::json* ready) {
  serve::LiveSocketClient c("ws://127.0.0.1:" + std::to_string(server.live_port()) + "/live");
  const auto first = c.receive(60);
  if (!first) return nullptr;
  *ready = nlohmann::json::parse(*first);
  for (std::size_t at = 0; at < pcm.size(); at += 320)
    c.send_binary(pcm.data() + at, 2 * std::min<std::size_t>(320, pcm.size() - at));
  c.send_text(R"({"type": "stop", "store": false})");
  for (;;) {
    const auto m = c.receive(60);
    if (!m) return nullptr;
    nlohmann::json update = nlohmann::json::parse(*m);
    if (update["type"] == "update" && update.value("final", false)) return update;
  }
}

TEST(VoiceEnrolment, ALiveStreamRunsTheModelInUseWithTheVoice) {
  testing::ScratchDir dir;
  const auto server = speaker_norm_server(dir);
  std::vector<std::int16_t> pcm;
  for (float x : testing::voice_like(2.6, 16000, 21))
    pcm.push_back(static_cast<std::int16_t>(std::lround(std::clamp(x, -1.0f, 1.0f) * 32767)));
  std::vector<float> as_floats;
  for (std::int16_t v : pcm) as_floats.push_back(static_cast<float>(v) / 32768.0f);
  write_wav16((dir / "same.wav").string(), as_floats, 16000);
  const std::string same = testing::read_file(dir / "same.wav");
  nlohmann::json ready;
  const nlohmann::json plain = live_final_update(*server, pcm, &ready);
  ASSERT_FALSE(plain.is_null());
  EXPECT_EQ(ready["enrolled"], false);

  ASSERT_EQ(post_reading(*server, reading_wav(dir / "reading.wav", 6.0))->status, 200);
  const nlohmann::json enrolled = live_final_update(*server, pcm, &ready);
  ASSERT_FALSE(enrolled.is_null());
  EXPECT_EQ(ready["model"], "base");
  EXPECT_EQ(ready["enrolled"], true);
  // The stream's whole-recording answer is an enrolled upload's of the same audio, not the
  // plain model's.
  const auto upload = server->post(same, "same.wav");
  ASSERT_EQ(upload->status, 201) << upload->body;
  const nlohmann::json analysis = json_of(upload);
  EXPECT_EQ(analysis["enrolled"], true);
  double moved = 0;
  for (const auto& [label, p] : analysis["probabilities"].items()) {
    EXPECT_NEAR(enrolled["so_far"]["probabilities"][label].get<double>(), p.get<double>(), 1e-4)
        << label;
    moved = std::max(
        moved, std::abs(plain["so_far"]["probabilities"][label].get<double>() - p.get<double>()));
  }
  EXPECT_GT(moved, 1e-3) << "the plain stream answered otherwise";
}

TEST(VoiceEnrolment, RecordingsOfTheHistoryEnrolToo) {
  testing::ScratchDir dir;
  const auto server = speaker_norm_server(dir);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 2; ++i) {
    const auto r =
        server->post(reading_wav(dir / ("h" + std::to_string(i) + ".wav"), 3.0), "h.wav");
    ASSERT_EQ(r->status, 201) << r->body;
    ids.push_back(json_of(r)["id"]);
  }
  const auto r = server->client().Post("/api/voice", nlohmann::json{{"analyses", ids}}.dump(),
                                       "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json_of(r)["source"], "history");
  EXPECT_EQ(json_of(r)["recordings"], 2);
  EXPECT_NEAR(json_of(r)["seconds"].get<double>(), 6.0, 0.01);
}

TEST(VoiceEnrolment, AVoiceKeptForAnotherModelIsNotUsed) {
  testing::ScratchDir dir;
  auto server = speaker_norm_server(dir);
  ASSERT_EQ(post_reading(*server, reading_wav(dir / "reading.wav", 6.0))->status, 200);
  const fs::path kept = server->dir() / "data" / "personal" / "voice.json";
  nlohmann::json info = nlohmann::json::parse(testing::read_file(kept));
  info["base_fingerprint"] = "0000000000000000";
  testing::write_file(kept, info.dump());
  server->restart();
  const auto s = voice_status(*server);
  EXPECT_EQ(s["enrolled"], false);
  EXPECT_THAT(s["note"].get<std::string>(), HasSubstr("another model"));
}

TEST(ModelChoice, APersonalModelArrivingAfterTheVoiceIsEnrolledToo) {
  const Checkpoint base = testing::fixture_checkpoint(7, /*speaker_norm=*/true);
  serve::ModelChoice choice({base}, serve::PoolShape{});
  EXPECT_TRUE(choice.why_not_enrol().empty());
  const std::vector<std::vector<float>> readings{testing::voice_like(6.0, 16000, 29)};
  choice.set_voice(voice_statistics(base, "fixture", readings));
  EXPECT_TRUE(choice.current().enrolled);
  choice.set_personal({testing::fixture_checkpoint(8, /*speaker_norm=*/true)}, /*use_it=*/true);
  const auto in_use = choice.current();
  EXPECT_EQ(in_use.kind, serve::ModelKind::personal);
  EXPECT_TRUE(in_use.enrolled);
  choice.set_voice(std::nullopt);
  EXPECT_FALSE(choice.current().enrolled);
  EXPECT_EQ(choice.current().kind, serve::ModelKind::personal);
  // A plain model takes no voice: refused, nothing changed.
  serve::ModelChoice plain({testing::fixture_checkpoint()}, serve::PoolShape{});
  EXPECT_FALSE(plain.why_not_enrol().empty());
  EXPECT_THROW(plain.set_voice(voice_statistics(base, "fixture", readings)), InputError);
  EXPECT_FALSE(plain.enrolled());
}

}  // namespace
}  // namespace calmspace
