// The evaluation figures, each a plot::Figure (gnuplot.h) built from plain results:
//   training_curves   loss and accuracy per epoch, training and validation (metrics.jsonl)
//   confusion_matrix  heatmap of row-normalised rates (%), each cell labelled "count (rate %)"
//   per_class_scores  precision, recall and F1 (%) per class, grouped bars
//   probability_bars / probability_pie / emotion_timeline   one recording's prediction
//   robustness_chart  UA and the share of unchanged predictions per degradation (robustness.h)
// Figures of the cell comparison and feature throughput live in bench_figures.h.
#pragma once

#include <string>
#include <vector>

#include "core/eval/metrics.h"
#include "core/eval/robustness.h"
#include "core/plot/gnuplot.h"
#include "core/train/epoch_record.h"

namespace calmspace::plot {

Figure training_curves(const std::vector<EpochRecord>& history, const std::string& title);
Figure confusion_matrix(const Metrics& metrics, const std::string& title);
Figure per_class_scores(const Metrics& metrics, const std::string& title);

// One recording: (label, probability) in the model's label order; the timeline's windows.
struct TimelineWindow {
  double start_s = 0, end_s = 0;
  std::vector<double> probabilities;  // one per label, model order
};
struct RecordingPrediction {
  std::string file;
  double duration_s = 0;
  std::string predicted;
  std::vector<std::string> labels;
  std::vector<double> probabilities;
  std::vector<TimelineWindow> timeline;  // empty for recordings too short for one
};
Figure probability_bars(const RecordingPrediction& p, const std::string& name);
Figure probability_pie(const RecordingPrediction& p, const std::string& name);
// Stacked class probabilities over time with the predicted class per window as a band on top.
// Requires a non-empty timeline.
Figure emotion_timeline(const RecordingPrediction& p, const std::string& name);

// Two panels over the conditions (clean first): UA with chance and the clean UA as lines, and the
// share of predictions unchanged from the clean clip's.
Figure robustness_chart(const RobustnessReport& report, const std::string& title);

// Number for a data file: %.6g, "NaN" when not finite (gnuplot skips it).
std::string num(double v);

}  // namespace calmspace::plot
