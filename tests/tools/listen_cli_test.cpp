// `calmspace listen` (issue 22): live audio on standard input or a FIFO as WAV (with a real or an
// "until the end" data size, as arecord and ffmpeg write to a pipe) or raw s16le at any rate; a
// JSON line per hop after a description of the stream; the final line's whole-stream
// probabilities equal `calmspace predict` of the same audio (to 1e-5); Ctrl-C ends the stream with
// that final line; bad input and options get one clear line and a non-zero status.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/model_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line.front() == '{') lines.push_back(nlohmann::json::parse(line));
  return lines;
}

class ListenCli : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_fixture_model(dir_ / "model.h5", "# fixture\n");
    testing::write_tone_wav(dir_ / "a.wav", 220.0, 2.6);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  std::string calmspace(const std::string& verb) const {
    return testing::calmspace_binary().string() + " " + verb + " --model " + path("model.h5");
  }
  // listen's standard output (stderr dropped) for `input_command | listen args`.
  int listen(const std::string& input_command, const std::string& args, std::string* out) const {
    return testing::run_command(
        "{ " + input_command + " | " + calmspace("listen") + " " + args + " 2>/dev/null; }", out);
  }
  // `calmspace predict`'s probabilities of a.wav.
  nlohmann::json offline() const {
    std::string out;
    EXPECT_EQ(testing::run_command("{ " + calmspace("predict") + " " + path("a.wav") +
                                       " --format jsonl 2>/dev/null; }",
                                   &out),
              0)
        << out;
    return json_lines(out).at(0)["probabilities"];
  }
  testing::ScratchDir dir_;
};

void expect_same_probabilities(const nlohmann::json& got, const nlohmann::json& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [label, p] : want.items())
    EXPECT_NEAR(got.at(label).get<double>(), p.get<double>(), 1e-5) << label;
}

TEST_F(ListenCli, AWavStreamGivesAnUpdatePerHopAndEndsAsPredict) {
  std::string out;
  ASSERT_EQ(listen("cat " + path("a.wav"), "", &out), 0) << out;
  const auto lines = json_lines(out);
  ASSERT_EQ(lines.size(), 1u + 10u + 1u) << out;  // the stream, 10 hops of 0.25 s, the end
  EXPECT_EQ(lines[0]["listen"]["input_format"], "WAV stream PCM_16");
  EXPECT_EQ(lines[0]["listen"]["hop_s"], 0.25);
  for (std::size_t k = 1; k <= 10; ++k) {
    EXPECT_NEAR(lines[k]["time_s"].get<double>(), 0.25 * double(k), 1e-9) << k;
    EXPECT_FALSE(lines[k].contains("final")) << k;
    EXPECT_FALSE(lines[k]["window"].is_null()) << k;
  }
  const auto& last = lines.back();
  EXPECT_EQ(last["final"], true);
  EXPECT_NEAR(last["time_s"].get<double>(), 2.6, 1e-9);
  expect_same_probabilities(last["so_far"]["probabilities"], offline());
}

TEST_F(ListenCli, AnEndlessDataSizeAndRawPcmGiveTheSameStream) {
  std::string wav, endless, raw;
  ASSERT_EQ(listen("cat " + path("a.wav"), "--hop 0.5", &wav), 0) << wav;
  // arecord and ffmpeg write 0xFFFFFFFF sizes into a WAV header they cannot seek back to.
  std::string bytes = testing::read_text_file(dir_ / "a.wav");
  for (const std::size_t at : {std::size_t{4}, std::size_t{40}}) bytes.replace(at, 4, 4, '\xff');
  testing::write_file(dir_ / "endless.wav", bytes);
  ASSERT_EQ(listen("cat " + path("endless.wav"), "--hop 0.5", &endless), 0) << endless;
  ASSERT_EQ(listen("tail -c +45 " + path("a.wav"), "--format s16le --hop 0.5", &raw), 0) << raw;
  const auto a = json_lines(wav), b = json_lines(endless), c = json_lines(raw);
  ASSERT_EQ(a.size(), 7u);  // the stream, 5 hops of 0.5 s, the end
  ASSERT_EQ(b.size(), a.size());
  ASSERT_EQ(c.size(), a.size());
  EXPECT_EQ(c[0]["listen"]["input_format"], "raw s16le");
  for (std::size_t k = 1; k < a.size(); ++k) {
    EXPECT_EQ(b[k], a[k]) << k;
    EXPECT_EQ(c[k], a[k]) << k;
  }
}

TEST_F(ListenCli, RawAudioAtAnotherRateIsConverted) {
  std::string out;
  // The same bytes said to be 8 kHz: twice as long once converted to the model's 16 kHz.
  ASSERT_EQ(listen("tail -c +45 " + path("a.wav"), "--format s16le --rate 8000 --hop 1", &out), 0)
      << out;
  const auto lines = json_lines(out);
  EXPECT_EQ(lines.front()["listen"]["input_rate"], 8000);
  EXPECT_NEAR(lines.back()["time_s"].get<double>(), 5.2, 1e-9);
  EXPECT_EQ(lines.size(), 1u + 5u + 1u);
}

TEST_F(ListenCli, BarsAreLinesAPersonReads) {
  std::string out;
  ASSERT_EQ(listen("cat " + path("a.wav"), "--bars --hop 1", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("1.00 s"));
  EXPECT_THAT(out, HasSubstr("now "));
  EXPECT_THAT(out, HasSubstr("whole: "));
  EXPECT_TRUE(json_lines(out).empty()) << out;
}

// Ctrl-C (SIGINT) while the input is still open: the stream ends there and the final line comes.
TEST_F(ListenCli, AnInterruptEndsTheStreamWithItsFinalLine) {
  const std::string script = path("interrupt.sh"), fifo = path("live.fifo"), out = path("out");
  testing::write_file(
      script, "set -u\nmkfifo " + fifo + "\n" + calmspace("listen") + " --input " + fifo + " > " +
                  out + " 2>&1 &\npid=$!\nexec 3>" + fifo + "\ncat " + path("a.wav") +
                  " >&3\n"
                  "# wait (bounded) until the last hop's update is out, then interrupt\n"
                  "for i in $(seq 1200); do grep -q '\"time_s\":2.5' " +
                  out +
                  " && break; sleep 0.1; done\n"
                  "kill -INT $pid\nwait $pid\nstatus=$?\nexec 3>&-\nexit $status\n");
  std::string log;
  ASSERT_EQ(testing::run_command("bash " + script, &log), 0) << log;
  const std::string text = testing::read_text_file(out);
  const auto lines = json_lines(text);
  ASSERT_FALSE(lines.empty()) << text;
  EXPECT_EQ(lines.back()["final"], true) << text;
  EXPECT_NEAR(lines.back()["time_s"].get<double>(), 2.6, 1e-9);
  expect_same_probabilities(lines.back()["so_far"]["probabilities"], offline());
}

TEST_F(ListenCli, BadInputAndOptionsAreOneClearLine) {
  std::string out;
  EXPECT_EQ(testing::run_command(calmspace("listen") + " < /dev/null", &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("standard input"));
  EXPECT_EQ(testing::run_command("echo not a wav | " + calmspace("listen") + " --format wav", &out),
            1)
      << out;
  EXPECT_THAT(out, HasSubstr("standard input"));
  EXPECT_EQ(testing::run_command(calmspace("listen") + " --format mp3 < " + path("a.wav"), &out), 1)
      << out;
  EXPECT_THAT(out, HasSubstr("unknown input format 'mp3'"));
  EXPECT_EQ(testing::run_command(calmspace("listen") + " --hop 0 < " + path("a.wav"), &out), 2)
      << out;
  EXPECT_THAT(out, HasSubstr("--hop"));
  EXPECT_EQ(testing::run_command(
                calmspace("listen") + " --input " + path("missing") + " < /dev/null", &out),
            1)
      << out;
  EXPECT_THAT(out, HasSubstr("missing: cannot be opened"));
  EXPECT_EQ(testing::run_command(
                "cat " + path("a.wav") + " | " + calmspace("listen") + " --max-seconds 1", &out),
            1)
      << out;
  EXPECT_THAT(out, HasSubstr("--max-seconds=1"));
}

}  // namespace
}  // namespace calmspace
