#include "core/plot/plot_sources.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/plot/bench_figures.h"
#include "core/plot/figures.h"
#include "core/run/run_dir.h"

namespace calmspace::plot {
namespace {

namespace fs = std::filesystem;

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw InputError(p.string(), "cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(p.string(), cat("not valid JSON: ", e.what()));
  }
}

void append(std::vector<std::string>& out, std::vector<std::string> more) {
  out.insert(out.end(), more.begin(), more.end());
}

Metrics metrics_from_report(const nlohmann::json& r, const std::string& source) {
  try {
    const double loss = r["loss"].is_number() ? r["loss"].get<double>() : NAN;
    return metrics_from_confusion(r.at("confusion").get<std::vector<std::vector<std::int64_t>>>(),
                                  r.at("labels").get<std::vector<std::string>>(), loss);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, cat("not a CalmSpace report: ", e.what()));
  }
}

// "Actor_01/03-01-05.wav" -> "03-01-05"; characters outside [A-Za-z0-9_-.] become '_'.
std::string file_stem(const std::string& file) {
  std::string s = fs::path(file).stem().string();
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return s.empty() ? "recording" : s;
}

}  // namespace

std::vector<std::string> plot_run_dir(const std::string& run_dir, const std::string& out_dir) {
  const RunDir dir(run_dir);
  std::vector<std::string> out;
  const std::string title = fs::path(run_dir).lexically_normal().string();
  if (fs::exists(dir.metrics_jsonl())) {
    std::ifstream in(dir.metrics_jsonl());
    std::vector<EpochRecord> history;
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) history.push_back(EpochRecord::from_json(line));
    if (!history.empty())
      append(out, render(training_curves(history, "Training curves: " + title), out_dir));
  }
  if (fs::exists(dir.report_json())) {
    const auto report = read_json(dir.report_json());
    const Metrics m = metrics_from_report(report, dir.report_json().string());
    const std::string split = report.value("split", std::string("test"));
    const std::string what =
        cat(split, " split, ", m.clips, " clips: UA ", num(100 * m.ua).substr(0, 4), " %, WA ",
            num(100 * m.wa).substr(0, 4), " %");
    append(out, render(confusion_matrix(m, "Confusion matrix (" + what + ")"), out_dir));
    append(out, render(per_class_scores(m, "Per-class scores (" + what + ")"), out_dir));
  }
  if (out.empty()) throw InputError(run_dir, "no metrics.jsonl or report.json to plot");
  return out;
}

std::vector<std::string> plot_bench_dir(const std::string& bench_dir, const std::string& out_dir) {
  const auto b = read_json(RunDir(bench_dir).bench_json());
  if (!b.contains("cells") || b["cells"].empty())
    throw InputError(RunDir(bench_dir).bench_json().string(), "no cells to plot");
  std::vector<std::string> out;
  append(out, render(cells_accuracy(b), out_dir));
  append(out, render(cells_throughput(b), out_dir));
  append(out, render(cells_accuracy_vs_time(b), out_dir));
  return out;
}

std::vector<std::string> plot_prediction_json(const std::string& path, const std::string& out_dir) {
  const auto j = read_json(path);
  const auto& predictions = j.contains("predictions") ? j["predictions"] : j;
  if (!predictions.is_array() || predictions.empty())
    throw InputError(path, "no predictions to plot (expected calmspace predict --out X.json)");
  std::vector<std::string> out;
  for (const auto& pj : predictions) {
    RecordingPrediction p;
    try {
      p.file = pj.at("file").get<std::string>();
      p.duration_s = pj.value("duration_s", 0.0);
      p.predicted = pj.at("predicted").get<std::string>();
      // The model's label order when the file gives it (JSON objects are sorted by name).
      if (j.contains("labels"))
        p.labels = j["labels"].get<std::vector<std::string>>();
      else
        for (const auto& [label, prob] : pj.at("probabilities").items()) p.labels.push_back(label);
      for (const auto& label : p.labels)
        p.probabilities.push_back(pj.at("probabilities").at(label).get<double>());
      for (const auto& w : pj.value("timeline", nlohmann::json::array())) {
        TimelineWindow tw{w.at("start_s").get<double>(), w.at("end_s").get<double>(), {}};
        for (const auto& label : p.labels)
          tw.probabilities.push_back(w.at("probabilities").at(label));
        p.timeline.push_back(std::move(tw));
      }
    } catch (const nlohmann::json::exception& e) {
      throw InputError(path, cat("not a CalmSpace prediction: ", e.what()));
    }
    const std::string stem = file_stem(p.file);
    append(out, render(probability_bars(p, stem), out_dir));
    append(out, render(probability_pie(p, stem), out_dir));
    if (!p.timeline.empty()) append(out, render(emotion_timeline(p, stem), out_dir));
  }
  return out;
}

std::vector<std::string> plot_feature_bench_json(const std::string& path,
                                                 const std::string& out_dir) {
  return render(feature_roofline(read_json(path), path), out_dir);
}

std::vector<std::string> plot_path(const std::string& path, const std::string& out_dir) {
  const fs::path p(path);
  if (fs::is_directory(p)) {
    const std::string out = out_dir.empty() ? RunDir(p).plots().string() : out_dir;
    if (fs::exists(RunDir(p).bench_json())) return plot_bench_dir(path, out);
    return plot_run_dir(path, out);
  }
  if (!fs::exists(p)) throw InputError(path, "no such file or folder");
  const std::string out =
      out_dir.empty() ? (p.parent_path() / (p.stem().string() + "_plots")).string() : out_dir;
  const auto j = read_json(p);
  if (j.is_object() && j.contains("benchmarks")) return plot_feature_bench_json(path, out);
  return plot_prediction_json(path, out);
}

}  // namespace calmspace::plot
