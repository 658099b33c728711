// Several clients at once: concurrent posts through a pool of two predictors all succeed, get
// distinct ids, and the same recording gets the same probabilities whichever predictor ran it and
// whatever it was batched with (to 1e-5: batches of several recordings use matrix products where
// a lone one uses matrix-vector products; see batching_test.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include <set>
#include <thread>

#include "serve/model_pool.h"
#include "serve/server_harness.h"

namespace calmspace {
namespace {

bool near(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::abs(a[i] - b[i]) > 1e-5f) return false;
  return true;
}

// The numbers of a {label: probability} object (in key order) or of an array.
std::vector<float> values_of(const nlohmann::json& probabilities) {
  std::vector<float> out;
  for (const auto& v : probabilities) out.push_back(v.get<float>());
  return out;
}

TEST(ServeConcurrency, ConcurrentPostsAllSucceedWithIdenticalResults) {
  testing::ServerHarness server;
  const std::string wav = testing::voice_wav(server.dir() / "v.wav", 4.0);
  constexpr int kClients = 8, kEach = 3;
  std::vector<std::vector<nlohmann::json>> results(kClients);
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t)
    clients.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const auto r = server.post(wav, "v.wav");
        results[t].push_back(r && r->status == 201 ? testing::json_of(r) : nlohmann::json());
      }
    });
  for (auto& t : clients) t.join();
  std::set<std::int64_t> ids;
  const nlohmann::json& first = results[0][0];
  ASSERT_TRUE(first.contains("probabilities"));
  for (const auto& per_client : results)
    for (const auto& a : per_client) {
      ASSERT_TRUE(a.contains("id")) << "a request failed";
      ids.insert(a["id"].get<std::int64_t>());
      EXPECT_TRUE(near(values_of(a["probabilities"]), values_of(first["probabilities"])));
      ASSERT_EQ(a["timeline"].size(), first["timeline"].size());
      for (std::size_t w = 0; w < first["timeline"].size(); ++w)
        EXPECT_TRUE(near(values_of(a["timeline"][w]["probabilities"]),
                         values_of(first["timeline"][w]["probabilities"])))
            << "window " << w;
    }
  EXPECT_EQ(ids.size(), std::size_t{kClients * kEach});
  EXPECT_EQ(testing::json_of(server.client().Get("/api/analyses"))["total"], kClients * kEach);
}

TEST(ServeConcurrency, PoolPredictsLikeOnePredictorFromManyThreads) {
  const Checkpoint checkpoint = testing::fixture_checkpoint();
  serve::ModelPool pool({&checkpoint, 1}, 2);
  EXPECT_EQ(pool.size(), 2);
  Predictor reference(checkpoint, 1);
  std::vector<std::vector<float>> clips;
  for (int i = 0; i < 4; ++i) clips.push_back(testing::voice_like(1.0 + 0.5 * i, 16000, 10 + i));
  std::vector<std::vector<float>> expected;
  for (const auto& clip : clips) expected.push_back(reference.predict(clip).probabilities);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(6, 0);
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round)
        for (std::size_t i = 0; i < clips.size(); ++i)
          if (!near(pool.predict(clips[i], {}).probabilities, expected[i])) ++mismatches[t];
    });
  for (auto& t : threads) t.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
}  // namespace calmspace
