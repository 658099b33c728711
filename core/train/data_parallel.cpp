#include "core/train/data_parallel.h"

#include <algorithm>
#include <cmath>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/cluster/dealing.h"
#include "core/eval/evaluate.h"

namespace calmspace {

// Rank r's share of a batch when N ranks train data-parallel (data_parallel_step.h): the rows
// [b_r, b_(r+1)) with b_r the first row whose frames before it reach r / N of the batch's
// frames, so that each rank's recurrent work (linear in frames) is about equal. One rank: all.
std::pair<std::size_t, std::size_t> my_rows(std::span<const std::size_t> members,
                                            std::span<const std::int64_t> frames,
                                            const Cluster& cluster) {
  const auto N = static_cast<std::int64_t>(cluster.size());
  if (N == 1) return {0, members.size()};
  std::int64_t total = 0;
  for (const std::size_t p : members) total += frames[p];
  auto bound = [&](std::int64_t r) {  // first row with N * (frames before it) >= r * total
    if (r >= N) return members.size();
    std::int64_t before = 0;
    std::size_t i = 0;
    while (i < members.size() && before * N < r * total) before += frames[members[i++]];
    return i;
  };
  return {bound(cluster.rank()), bound(cluster.rank() + 1)};
}

// Every rank must hold the same weights after each epoch (the same summed gradients, the same
// update); a difference means a rank diverged, and training stops with an internal error.
void check_same_weights(std::span<const float> weights, Cluster& cluster, int epoch) {
  double sum = 0;
  for (std::size_t i = 0; i < weights.size(); ++i)
    sum += static_cast<double>(weights[i]) * static_cast<double>(i % 7 + 1);
  std::vector<double> extremes = {sum, -sum};
  cluster.allreduce_max(extremes);
  CALMSPACE_CHECK(extremes[0] == -extremes[1], "the ranks' weights differ after epoch ", epoch + 1,
                  " (checksums from ", -extremes[1], " to ", extremes[0], ")");
}

// The input normalisation's statistics with each rank reading only its share of the training
// clips (core/cluster/dealing.h): the ranks' sums and sums of squares are added by one allreduce.
// Equal to compute_feature_stats over every clip up to the order of the double sums.
FeatureStats feature_stats_on_ranks(ClipSource& source, int dim, Cluster& cluster) {
  constexpr std::size_t kChunk = 64;  // clips read or computed at a time: bounded memory
  FeatureStatsAccumulator accumulator(dim);
  const std::vector<std::size_t> mine = my_share(source.size(), cluster);
  for (std::size_t i = 0; i < mine.size(); i += kChunk) {
    const std::span<const std::size_t> chunk(mine.data() + i, std::min(kChunk, mine.size() - i));
    for (const FeatureMatrix& clip : source.clean_features_of(chunk)) accumulator.add(clip);
  }
  std::vector<double> totals = accumulator.totals();
  cluster.allreduce_sum(totals);
  FeatureStatsAccumulator all(dim);
  all.add_totals(totals);
  return all.finish();
}

// Validation with each rank scoring its share of the clips (`mine`, possibly none): the ranks'
// confusion matrices and loss sums are added by one allreduce, and the metrics computed from the
// sum, as evaluate_model computes them from the whole split's.
Metrics validation_on_ranks(SequenceModel& model, ClipSource& mine,
                            const std::vector<std::string>& labels, int batch_size,
                            Cluster& cluster) {
  const std::size_t C = labels.size();
  std::vector<double> totals(C * C + 1, 0.0);  // confusion (rows = truth), then the loss sum
  if (mine.size() > 0) {
    const Metrics m = evaluate_model(model, mine, labels, batch_size).metrics;
    for (std::size_t i = 0; i < C; ++i)
      for (std::size_t j = 0; j < C; ++j)
        totals[i * C + j] = static_cast<double>(m.confusion[i][j]);
    totals[C * C] = m.loss * static_cast<double>(m.clips);
  }
  cluster.allreduce_sum(totals);
  std::vector<std::vector<std::int64_t>> confusion(C, std::vector<std::int64_t>(C));
  std::int64_t clips = 0;
  for (std::size_t i = 0; i < C; ++i)
    for (std::size_t j = 0; j < C; ++j) {
      confusion[i][j] = std::llround(totals[i * C + j]);
      clips += confusion[i][j];
    }
  return metrics_from_confusion(
      std::move(confusion), labels,
      totals[C * C] / static_cast<double>(std::max<std::int64_t>(clips, 1)));
}

// One epoch of data-parallel training: the slowest rank's and the mean rank's seconds of
// compute, waiting and allreduce (data_parallel_step.h), and the epoch's training seconds.
nlohmann::json epoch_times(const DataParallelStep& step, Cluster& cluster, int epoch,
                           double train_seconds) {
  const ParallelTimes& t = step.times();
  std::vector<double> mean = {t.compute, t.wait, t.allreduce};
  std::vector<double> max = mean;
  cluster.allreduce_sum(mean);
  cluster.allreduce_max(max);
  for (double& x : mean) x /= cluster.size();
  auto pair = [&](std::size_t i) { return nlohmann::json{{"mean", mean[i]}, {"max", max[i]}}; };
  return {{"epoch", epoch + 1},         {"steps", t.steps},        {"train_seconds", train_seconds},
          {"compute_seconds", pair(0)}, {"wait_seconds", pair(1)}, {"allreduce_seconds", pair(2)}};
}

// RUN/data_parallel.json: how the ranks spent each epoch (written by the root after each one).
void write_parallel_log(const RunDir& run, const nlohmann::json& epochs, const Cluster& cluster,
                        const DataParallelStep& step) {
  const nlohmann::json log = {
      {"ranks", cluster.size()},
      {"cluster", cluster.description()},
      {"allreduce_bytes_per_step", step.allreduce_bytes()},
      {"definitions",
       {{"compute_seconds", "forward, backward and update of the rank's share of each batch"},
        {"wait_seconds", "in a barrier before each allreduce: waiting for the slowest rank"},
        {"allreduce_seconds", "in MPI_Allreduce of the flat gradients"},
        {"train_seconds", "the root's wall time of the epoch's training half (features too)"}}},
      {"epochs", epochs}};
  write_text_file_atomic(run.data_parallel_json().string(), log.dump(2) + "\n");
}

}  // namespace calmspace
