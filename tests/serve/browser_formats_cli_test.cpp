// The formats browsers record decode everywhere, not only in the server: `calmspace predict` on a
// WebM/Opus (Chrome), an Ogg/Opus (Firefox) and an MP4/AAC (Safari) file predicts what the server
// predicts for the same upload (one decode_audio, core/audio/decode.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/audio/decode.h"
#include "core/export/model_file.h"
#include "core/predict/predictor.h"
#include "serve/server_harness.h"

namespace calmspace {
namespace {

TEST(BrowserFormats, PredictReadsWhatBrowsersRecord) {
  testing::ScratchDir dir;
  testing::write_fixture_model(dir / "model.h5", "# fixture\n");
  const std::vector<float> voice = testing::voice_like(5.0, 16000, 9);
  struct Case {
    const char* file;
    const char* muxer;
    const char* encoder;
    const char* movflags;
  };
  for (const Case& c :
       {Case{"chrome.webm", "webm", "libopus", ""}, Case{"firefox.ogg", "ogg", "libopus", ""},
        Case{"safari.mp4", "mp4", "aac", "frag_keyframe+empty_moov"}}) {
    const auto path = dir / c.file;
    const std::string bytes =
        testing::encode_with_ffmpeg(path, voice, 16000, c.muxer, c.encoder, c.movflags);
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    const auto json = dir / (std::string(c.file) + ".json");
    std::string out;
    ASSERT_EQ(testing::run_command(testing::calmspace_binary().string() + " predict " +
                                       path.string() + " --model " + (dir / "model.h5").string() +
                                       " --out " + json.string(),
                                   &out),
              0)
        << c.file << ": " << out;
    const auto predicted = nlohmann::json::parse(std::ifstream(json))["predictions"][0];
    // What the server computes from the same bytes.
    const Audio audio = decode_audio(
        {reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()}, c.file, AudioOptions{});
    Predictor predictor(load_model_checkpoint((dir / "model.h5").string()), 1);
    const Prediction want = predictor.predict(audio.samples);
    EXPECT_NEAR(predicted["duration_s"].get<double>(), want.duration_s, 1e-9) << c.file;
    for (std::size_t k = 0; k < testing::kRavdessLabels.size(); ++k)
      EXPECT_NEAR(predicted["probabilities"][testing::kRavdessLabels[k]].get<double>(),
                  want.probabilities[k], 1e-6)
          << c.file;
  }
}

}  // namespace
}  // namespace calmspace
