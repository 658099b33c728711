// The server's limits at their edges: an upload of exactly --max-upload-mb bytes, a recording of
// exactly --max-seconds and one needing exactly the --max-memory-mb budget are analysed; one byte,
// one sample or one byte of budget more is refused with a JSON error that names the limit. Long
// uploads are analysed block by block, with the long-form path's results.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/audio/decode.h"
#include "core/export/model_file.h"
#include "core/predict/predictor.h"
#include "serve/api_routes.h"
#include "serve/memory_budget.h"
#include "serve/server_harness.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using testing::json_of;

std::string error_of(const httplib::Result& r) {
  return nlohmann::json::parse(r->body).value("error", "");
}

// A multipart/form-data POST body with the recording in field "audio", built by hand so that its
// exact size is known.
const std::string kBoundary = "calmspace-limits-test";
std::string multipart(const std::string& bytes) {
  return "--" + kBoundary +
         "\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"x.wav\"\r\nContent-Type: "
         "audio/wav\r\n\r\n" +
         bytes + "\r\n--" + kBoundary + "--\r\n";
}
httplib::Result post_body(const testing::ServerHarness& server, const std::string& body) {
  return server.client().Post("/api/analyses", body, "multipart/form-data; boundary=" + kBoundary);
}

TEST(ServeLimits, UploadSizeAtItsEdge) {
  testing::ScratchDir scratch;
  const std::string body = multipart(testing::voice_wav(scratch / "v.wav", 1.0));
  {
    testing::ServerHarness server(body.size());
    const auto r = post_body(server, body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201) << r->body;
  }
  testing::ServerHarness server(body.size() - 1);
  const auto r = post_body(server, body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413) << r->body;
}

TEST(ServeLimits, DurationAtItsEdge) {
  testing::ServerHarness server(8u << 20, [](serve::ServerOptions& o) { o.max_duration_s = 5.0; });
  const std::string exact = testing::voice_wav(server.dir() / "exact.wav", 5.0);
  const auto ok = server.post(exact, "exact.wav");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 201) << ok->body;
  const std::string over = testing::voice_wav(server.dir() / "over.wav", 5.0 + 1.0 / 16000);
  const auto r = server.post(over, "over.wav");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415) << r->body;
  EXPECT_THAT(error_of(r), HasSubstr("--max-seconds=5"));
}

// The budget exactly what the upload needs: analysed; a byte less: 413 naming the budget, before
// anything is decoded or stored.
TEST(ServeLimits, MemoryBudgetAtItsEdge) {
  testing::ScratchDir scratch;
  const std::string wav = testing::voice_wav(scratch / "v.wav", 12.0);  // long-form (> 8 s)
  testing::write_fixture_model(scratch / "model.h5", testing::kCard);
  const auto members = load_model_members((scratch / "model.h5").string());
  const serve::ModelPool pool(members, 2);
  const serve::ServerOptions defaults;
  const std::int64_t need = serve::upload_memory_needed(pool, static_cast<std::int64_t>(wav.size()),
                                                        12 * 16000, defaults.timeline);
  {
    testing::ServerHarness server(8u << 20,
                                  [&](serve::ServerOptions& o) { o.max_memory_bytes = need; });
    const auto r = server.post(wav, "v.wav");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201) << r->body;
    EXPECT_EQ(json_of(server.client().Get("/health"))["memory_in_use_bytes"], 0);
  }
  testing::ServerHarness server(8u << 20,
                                [&](serve::ServerOptions& o) { o.max_memory_bytes = need - 1; });
  const auto r = server.post(wav, "v.wav");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413) << r->body;
  EXPECT_THAT(error_of(r), HasSubstr("memory budget"));
  EXPECT_EQ(json_of(server.client().Get("/api/analyses"))["total"], 0);
}

// A recording longer than --batch-max-seconds is analysed block by block: the same timeline and
// segments as Predictor::predict on the decoded upload (to 1e-5, as tests/predict).
TEST(ServeLongRecordings, AnalysedBlockByBlockWithTheLongFormResults) {
  testing::ServerHarness server;
  const std::string wav = testing::voice_wav(server.dir() / "long.wav", 75.0);
  const auto r = server.post(wav, "long.wav");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  const auto a = json_of(r);
  const Audio audio = decode_audio({reinterpret_cast<const std::byte*>(wav.data()), wav.size()},
                                   "long.wav", AudioOptions{});
  Predictor predictor(load_model_checkpoint(server.options().model_path), 1);
  const Prediction p = predictor.predict(audio.samples);
  ASSERT_EQ(a["timeline"].size(), p.timeline.size());
  ASSERT_EQ(p.timeline.size(), 73u);
  for (std::size_t w = 0; w < p.timeline.size(); ++w)
    for (std::size_t c = 0; c < testing::kRavdessLabels.size(); ++c)
      EXPECT_NEAR(a["timeline"][w]["probabilities"][testing::kRavdessLabels[c]].get<double>(),
                  p.timeline[w].probabilities[c], 1e-5)
          << "window " << w;
  ASSERT_EQ(a["segments"].size(), p.segments.size());
  EXPECT_EQ(a["segments"].back()["end_s"], 75.0);
}

// Reservations: what is held is counted, one that does not fit waits until enough is given back,
// and one larger than the whole budget is refused.
TEST(MemoryBudget, ReservationsWaitForTheirShare) {
  serve::MemoryBudget budget(1000);
  std::atomic<bool> second_holds{false};
  std::thread second;
  {
    serve::MemoryBudget::Reservation first(budget, 800);
    EXPECT_EQ(budget.in_use(), 800);
    second = std::thread([&] {
      serve::MemoryBudget::Reservation r(budget, 300);  // waits for `first`
      second_holds = true;
      EXPECT_TRUE(r.resize(100));
      EXPECT_FALSE(r.resize(1001));
      EXPECT_EQ(r.bytes(), 100);
    });
    EXPECT_FALSE(second_holds) << "800 + 300 bytes held in a budget of 1000";
    EXPECT_TRUE(first.resize(700));  // shrinking never waits
    EXPECT_FALSE(second_holds);
  }
  second.join();
  EXPECT_TRUE(second_holds);
  EXPECT_EQ(budget.in_use(), 0);
  EXPECT_THROW(serve::MemoryBudget::Reservation(budget, 1001), Error);
}

}  // namespace
}  // namespace calmspace
