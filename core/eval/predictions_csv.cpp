#include "core/eval/predictions_csv.h"

#include <cmath>
#include <cstdio>

#include "core/base/error.h"
#include "core/base/text.h"

namespace calmspace {
namespace {

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

}  // namespace

std::string predictions_csv(const DatasetFile& dataset, const Evaluation& e,
                            const std::vector<std::string>& labels) {
  const std::size_t C = labels.size();
  const std::size_t N = e.truth.size();
  CALMSPACE_CHECK(e.clips.size() == N && e.predicted.size() == N && e.logits.size() == N * C,
                  "an evaluation of ", N, " clips over ", C, " classes with its clip indices");
  std::vector<char> scored(C, e.scored.empty() ? 1 : 0);
  for (int c : e.scored) scored[static_cast<std::size_t>(c)] = 1;
  const DatasetHeader& h = dataset.header();

  std::string out = "utterance_id,path,corpus,speaker,label,predicted,confidence,correct";
  for (const std::string& l : labels) out += "," + csv_field("p_" + l);
  out += "\n";
  std::vector<double> p(C);
  for (std::size_t i = 0; i < N; ++i) {
    const ClipInfo& clip = dataset.clips().at(e.clips[i]);
    // Softmax over the scored classes (max subtracted for range).
    const float* z = e.logits.data() + i * C;
    double max = -INFINITY, sum = 0;
    for (std::size_t c = 0; c < C; ++c)
      if (scored[c]) max = std::max(max, static_cast<double>(z[c]));
    for (std::size_t c = 0; c < C; ++c) sum += p[c] = scored[c] ? std::exp(z[c] - max) : 0.0;
    const auto top = static_cast<std::size_t>(e.predicted[i]);
    const auto truth = static_cast<std::size_t>(e.truth[i]);
    out += csv_field(clip.utterance_id) + "," + csv_field(clip.path) + "," +
           csv_field(h.corpus_names.at(static_cast<std::size_t>(clip.corpus))) + "," +
           csv_field(h.speaker_names.at(static_cast<std::size_t>(clip.speaker))) + "," +
           csv_field(labels.at(truth)) + "," + csv_field(labels.at(top)) + "," +
           number(p[top] / sum) + "," + (top == truth ? "1" : "0");
    for (std::size_t c = 0; c < C; ++c) out += scored[c] ? "," + number(p[c] / sum) : ",";
    out += "\n";
  }
  return out;
}

}  // namespace calmspace
