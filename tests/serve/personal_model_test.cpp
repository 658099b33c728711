// "Learn from my corrections" (issue 25): a personal model fine-tuned in the background from the
// labelled analyses, compared with the base model on the held-out ones, offered beside it,
// switched to and back (the base model's answers return exactly), remembered across restarts,
// deleted on request; the base model file is never modified, and a training is refused with a
// reason until enough analyses are labelled.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <future>

#include "serve/server_harness.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using testing::json_of;
namespace fs = std::filesystem;

// Few corrections and epochs, so a training takes seconds; a rate high enough that the answers
// (given to 4 decimals) move.
void quick_personal(serve::ServerOptions& o) {
  o.personal.min_corrections = 4;
  o.personal.overrides = {"train.epochs=3", "train.lr=0.03"};
}

// Uploads `n` different recordings and labels them alternately `a`, `b`; returns their ids.
std::vector<std::int64_t> labelled_uploads(const testing::ServerHarness& server, int n,
                                           const std::string& a, const std::string& b) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < n; ++i) {
    const std::string name = "v" + std::to_string(i) + ".wav";
    const auto posted = server.post(testing::voice_wav(server.dir() / name, 1.5 + 0.2 * i), name);
    EXPECT_EQ(posted->status, 201) << posted->body;
    const std::int64_t id = json_of(posted)["id"];
    const auto r = server.client().Put("/api/analyses/" + std::to_string(id) + "/label",
                                       std::string(R"({"label": ")") + (i % 2 ? b : a) + "\"}",
                                       "application/json");
    EXPECT_EQ(r->status, 200) << r->body;
    ids.push_back(id);
  }
  return ids;
}

nlohmann::json status_of(const testing::ServerHarness& server) {
  const auto r = server.client().Get("/api/personal");
  EXPECT_EQ(r->status, 200);
  return json_of(r);
}

httplib::Result use_model(const testing::ServerHarness& server, const std::string& body) {
  return server.client().Put("/api/personal/active", body, "application/json");
}

std::vector<float> probabilities_of(const httplib::Result& r) {
  std::vector<float> p;
  const nlohmann::json probabilities = json_of(r)["probabilities"];
  for (auto it = probabilities.begin(); it != probabilities.end(); ++it)
    p.push_back(it.value().get<float>());
  return p;
}

TEST(PersonalModel, ATrainingIsRefusedWithAReasonUntilEnoughAnalysesAreLabelled) {
  testing::ServerHarness server(8u << 20, quick_personal);
  labelled_uploads(server, 3, "angry", "sad");
  const auto s = status_of(server);
  EXPECT_EQ(s["corrections"], 3);
  EXPECT_EQ(s["needed"], 4);
  EXPECT_FALSE(s["can_train"]);
  EXPECT_THAT(s["why_not"].get<std::string>(), HasSubstr("label at least 4 analyses"));
  EXPECT_TRUE(s["model"].is_null());
  const auto refused = server.client().Post("/api/personal/train", "", "application/json");
  ASSERT_EQ(refused->status, 400);
  EXPECT_THAT(json_of(refused)["error"].get<std::string>(), HasSubstr("3 so far"));
  const auto none = use_model(server, R"({"model": "personal"})");
  ASSERT_EQ(none->status, 409);
  EXPECT_THAT(json_of(none)["error"].get<std::string>(), HasSubstr("no personal model"));
  EXPECT_EQ(use_model(server, R"({"model": "mine"})")->status, 400);
  EXPECT_EQ(use_model(server, "not json")->status, 400);
  // Choosing the base model when there is no other changes nothing and invents no model.
  ASSERT_EQ(use_model(server, R"({"model": "base"})")->status, 200);
  EXPECT_TRUE(status_of(server)["model"].is_null());
  EXPECT_FALSE(fs::exists(server.dir() / "data" / "personal" / "model.json"));
}

TEST(PersonalModel, AFailedTrainingSaysWhyKeepsNothingAndLeavesNoCopiesOfRecordings) {
  testing::ServerHarness server(8u << 20, [](serve::ServerOptions& o) {
    quick_personal(o);
    o.personal.recipe = "/nonexistent/finetune.yaml";
  });
  labelled_uploads(server, 4, "angry", "sad");
  ASSERT_EQ(server.client().Post("/api/personal/train", "", "application/json")->status, 202);
  server.personal().wait();
  const auto s = status_of(server);
  EXPECT_EQ(s["training"]["state"], "failed");
  EXPECT_THAT(s["training"]["error"].get<std::string>(), HasSubstr("/nonexistent/finetune.yaml"));
  EXPECT_TRUE(s["model"].is_null());
  EXPECT_TRUE(s["can_train"]);  // it may be tried again
  EXPECT_FALSE(fs::exists(server.dir() / "data" / "personal" / "work"));
}

TEST(PersonalModel, AnUnreadablePersonalModelDoesNotKeepTheServerFromStarting) {
  testing::ServerHarness server(8u << 20, quick_personal);
  labelled_uploads(server, 4, "happy", "fearful");
  ASSERT_EQ(server.client().Post("/api/personal/train", "", "application/json")->status, 202);
  server.personal().wait();
  ASSERT_FALSE(status_of(server)["model"].is_null());
  std::ofstream(server.dir() / "data" / "personal" / "model.safetensors") << "torn";
  server.restart();
  const auto s = status_of(server);
  EXPECT_TRUE(s["model"].is_null());
  EXPECT_EQ(s["active"], "base");
  EXPECT_EQ(s["training"]["state"], "failed");
  EXPECT_THAT(s["training"]["error"].get<std::string>(), HasSubstr("could not be loaded"));
  EXPECT_EQ(server.post(testing::voice_wav(server.dir() / "p.wav", 2.0), "p.wav")->status, 201);
}

TEST(PersonalModel, LearnsFromCorrectionsIsOfferedSwitchedToAndBackAndRemembered) {
  testing::ServerHarness server(8u << 20, quick_personal);
  const std::string model_before = testing::read_file(server.options().model_path);
  labelled_uploads(server, 6, "angry", "sad");

  const auto started = server.client().Post("/api/personal/train", "", "application/json");
  ASSERT_EQ(started->status, 202) << started->body;
  server.personal().wait();
  const auto s = status_of(server);
  ASSERT_EQ(s["training"]["state"], "done") << s.dump();
  const auto& m = s["model"];
  EXPECT_EQ(m["corrections"], 6);
  EXPECT_EQ(m["held_out"], 2);  // the newest of each label's three (round(0.25 * 3) = 1)
  EXPECT_EQ(m["epochs"], 3);
  ASSERT_TRUE(m["base_right"].is_number_integer());
  EXPECT_GE(m["personal_right"].get<int>(), 0);
  EXPECT_LE(m["personal_right"].get<int>(), 2);
  EXPECT_EQ(s["active"], "base");  // offered, not imposed
  const fs::path personal = server.dir() / "data" / "personal";
  EXPECT_TRUE(fs::exists(personal / "model.safetensors"));
  EXPECT_FALSE(fs::exists(personal / "work"));  // scratch removed
  EXPECT_EQ(testing::read_file(server.options().model_path), model_before);

  const std::string probe = testing::voice_wav(server.dir() / "probe.wav", 2.3);
  const auto base_answer = server.post(probe, "probe.wav");
  EXPECT_EQ(json_of(base_answer)["model"], "base");

  const auto switched = use_model(server, R"({"model": "personal"})");
  ASSERT_EQ(switched->status, 200) << switched->body;
  EXPECT_EQ(json_of(switched)["active"], "personal");
  const auto personal_answer = server.post(probe, "probe.wav");
  EXPECT_EQ(json_of(personal_answer)["model"], "personal");
  const auto pb = probabilities_of(base_answer), pp = probabilities_of(personal_answer);
  ASSERT_EQ(pb.size(), pp.size());
  float largest_change = 0;
  for (std::size_t i = 0; i < pb.size(); ++i)
    largest_change = std::max(largest_change, std::abs(pb[i] - pp[i]));
  EXPECT_GT(largest_change, 1e-4f) << "fine-tuning changed nothing";

  server.restart();  // the choice is remembered with the model
  EXPECT_EQ(status_of(server)["active"], "personal");
  EXPECT_EQ(json_of(server.post(probe, "probe.wav"))["model"], "personal");

  ASSERT_EQ(use_model(server, R"({"model": "base"})")->status, 200);
  const auto back = server.post(probe, "probe.wav");
  EXPECT_EQ(json_of(back)["model"], "base");
  const auto pback = probabilities_of(back);
  for (std::size_t i = 0; i < pb.size(); ++i) EXPECT_FLOAT_EQ(pback[i], pb[i]) << i;

  const auto forgotten = server.client().Delete("/api/personal");
  ASSERT_EQ(forgotten->status, 200);
  EXPECT_TRUE(json_of(forgotten)["model"].is_null());
  EXPECT_FALSE(fs::exists(personal / "model.safetensors"));
  EXPECT_EQ(use_model(server, R"({"model": "personal"})")->status, 409);
}

// The recipe's train.init_mix decides what the personal model keeps: at 0, the base model's
// weights, so switching to it changes no answer (the trainer's last.h5 holds the weights as
// trained; the server mixes them).
TEST(PersonalModel, ThePersonalModelKeepsTheRecipesMixWithTheBase) {
  testing::ServerHarness server(8u << 20, [](serve::ServerOptions& o) {
    quick_personal(o);
    o.personal.overrides.emplace_back("train.init_mix=0");
  });
  labelled_uploads(server, 6, "angry", "sad");
  ASSERT_EQ(server.client().Post("/api/personal/train", "", "application/json")->status, 202);
  server.personal().wait();
  ASSERT_EQ(status_of(server)["training"]["state"], "done") << status_of(server).dump();
  const std::string probe = testing::voice_wav(server.dir() / "probe.wav", 2.3);
  const auto pb = probabilities_of(server.post(probe, "probe.wav"));
  ASSERT_EQ(use_model(server, R"({"model": "personal"})")->status, 200);
  const auto personal_answer = server.post(probe, "probe.wav");
  EXPECT_EQ(json_of(personal_answer)["model"], "personal");
  const auto pp = probabilities_of(personal_answer);
  ASSERT_EQ(pp.size(), pb.size());
  for (std::size_t i = 0; i < pb.size(); ++i) EXPECT_FLOAT_EQ(pp[i], pb[i]) << i;
}

TEST(PersonalModel, AModelMadeFromAnotherBaseModelIsNotLoaded) {
  testing::ServerHarness server(8u << 20, quick_personal);
  labelled_uploads(server, 4, "happy", "fearful");
  ASSERT_EQ(server.client().Post("/api/personal/train", "", "application/json")->status, 202);
  server.personal().wait();
  ASSERT_FALSE(status_of(server)["model"].is_null());
  const fs::path info = server.dir() / "data" / "personal" / "model.json";
  auto j = nlohmann::json::parse(testing::read_file(info));
  j["base_fingerprint"] = "0000000000000000";  // as if the server had another --model
  std::ofstream(info) << j.dump();
  server.restart();
  const auto s = status_of(server);
  EXPECT_TRUE(s["model"].is_null());
  EXPECT_EQ(s["active"], "base");
  EXPECT_TRUE(s["can_train"]);  // a new training replaces it
}

TEST(PersonalModel, ASecondTrainingOrADeletionWhileOneRunsIsAConflict) {
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  testing::ServerHarness server(8u << 20, [released](serve::ServerOptions& o) {
    quick_personal(o);
    o.personal.on_start = [released] { released.wait(); };  // held until the checks are done
  });
  // Released however the test ends (a failed ASSERT returns early), before the server goes, so
  // the training it joins can finish.
  const std::unique_ptr<void, std::function<void(void*)>> guard(release.get(), [release](void*) {
    try {
      release->set_value();
    } catch (const std::future_error&) {  // already released
    }
  });
  labelled_uploads(server, 4, "neutral", "calm");
  ASSERT_EQ(server.client().Post("/api/personal/train", "", "application/json")->status, 202);
  const auto s = status_of(server);
  EXPECT_EQ(s["training"]["state"], "running");
  EXPECT_FALSE(s["can_train"]);
  const auto again = server.client().Post("/api/personal/train", "", "application/json");
  EXPECT_EQ(again->status, 409);
  EXPECT_THAT(json_of(again)["error"].get<std::string>(), HasSubstr("already running"));
  EXPECT_EQ(server.client().Delete("/api/personal")->status, 409);
  release->set_value();
  server.personal().wait();
  EXPECT_EQ(status_of(server)["training"]["state"], "done");
}

}  // namespace
}  // namespace calmspace
