#include "core/plot/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace calmspace::plot {

std::string num(double v) {
  if (!std::isfinite(v)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

namespace {

// xtics ("a" 0, "b" 1, ...)
std::string tic_list(const std::vector<std::string>& labels, double first = 0) {
  std::string s = "(";
  for (std::size_t i = 0; i < labels.size(); ++i)
    s += cat(i ? ", " : "", quote(labels[i]), " ", num(first + static_cast<double>(i)));
  return s + ")";
}

// Colour of a class as 0xRRGGBB: a fixed colour per common emotion name, so every figure of
// every recording agrees (anger red, sadness blue, ...); other labels cycle through a palette.
int class_rgb(const std::string& label, std::size_t i) {
  static const std::pair<const char*, int> named[] = {
      {"angry", 0xD55E00},    {"anger", 0xD55E00},   {"happy", 0xE69F00},   {"happiness", 0xE69F00},
      {"sad", 0x0072B2},      {"sadness", 0x0072B2}, {"neutral", 0x999999}, {"calm", 0x56B4E9},
      {"fearful", 0xCC79A7},  {"fear", 0xCC79A7},    {"disgust", 0x009E73}, {"surprised", 0xF0E442},
      {"surprise", 0xF0E442}, {"ps", 0xF0E442}};
  for (const auto& [name, rgb] : named)
    if (label == name) return rgb;
  static const int cycle[] = {0x0072B2, 0xE69F00, 0x009E73, 0xCC79A7,
                              0x56B4E9, 0xD55E00, 0xF0E442, 0x777777};
  return cycle[i % 8];
}

std::string rgb_literal(int rgb) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "'#%06X'", rgb);
  return buf;
}

}  // namespace

Figure training_curves(const std::vector<EpochRecord>& history, const std::string& title) {
  Figure f{"training_curves", 1280, 540, "", {}};
  std::ostringstream d;
  d << "# epoch train_loss valid_loss train_acc_pct valid_wa_pct valid_ua_pct lr\n";
  bool has_valid = false;
  for (const auto& r : history) {
    has_valid = has_valid || std::isfinite(r.valid_loss);
    d << r.epoch << ' ' << num(r.train_loss) << ' ' << num(r.valid_loss) << ' '
      << num(100 * r.train_accuracy) << ' ' << num(100 * r.valid_wa) << ' ' << num(100 * r.valid_ua)
      << ' ' << num(r.lr) << '\n';
  }
  f.data.emplace_back("training_curves.dat", d.str());
  const int last = history.empty() ? 1 : std::max(1, history.back().epoch);
  std::ostringstream b;
  b << "set multiplot layout 1,2 title " << quote(title) << " font ',14'\n"
    << "set xlabel 'epoch'\nset xrange [" << (last > 1 ? 1 : 0) << ":" << last + (last > 1 ? 0 : 1)
    << "]\nset xtics "
    << (last <= 12   ? 1
        : last <= 30 ? 2
                     : 5 * ((last + 49) / 50))
    << "\nset key top right\n"
    << "set title 'Loss'\nset ylabel 'cross-entropy (nats)'\n"
    << "plot 'training_curves.dat' using 1:2 with linespoints lt 1 title 'training'";
  if (has_valid) b << ", '' using 1:3 with linespoints lt 2 title 'validation'";
  b << "\nset title 'Accuracy'\nset ylabel 'accuracy (%)'\nset yrange [0:100]\n"
    << "set key top left\n"  // accuracy starts low: the top left is empty
    << "plot 'training_curves.dat' using 1:4 with linespoints lt 1 title 'training (WA)'";
  if (has_valid)
    b << ", '' using 1:5 with linespoints lt 2 title 'validation WA'"
      << ", '' using 1:6 with linespoints lt 3 title 'validation UA'";
  b << "\nunset multiplot\n";
  f.body = b.str();
  return f;
}

Figure confusion_matrix(const Metrics& m, const std::string& title) {
  const auto C = m.labels.size();
  const int side = static_cast<int>(std::clamp<std::size_t>(C, 2, 12));
  Figure f{"confusion", 260 + 78 * side, 200 + 70 * side, "", {}};
  std::ostringstream d;
  d << "# column(predicted) row(truth) row_rate_pct count\n";
  for (std::size_t i = 0; i < C; ++i) {
    std::int64_t row = 0;
    for (auto v : m.confusion[i]) row += v;
    for (std::size_t j = 0; j < C; ++j) {
      const double rate = row ? 100.0 * static_cast<double>(m.confusion[i][j]) / row : 0.0;
      d << j << ' ' << i << ' ' << num(rate) << ' ' << m.confusion[i][j] << '\n';
    }
  }
  f.data.emplace_back("confusion.dat", d.str());
  std::ostringstream b;
  const double hi = static_cast<double>(C) - 0.5;
  b << "set title " << quote(title) << " font ',14'\n"
    << "set xlabel 'predicted class'\nset ylabel 'true class'\n"
    << "set xrange [-0.5:" << hi << "]\nset yrange [" << hi << ":-0.5]\n"
    << "set xtics " << tic_list(m.labels) << " rotate by 35 right\n"
    << "set ytics " << tic_list(m.labels) << "\nset tics scale 0\nunset grid\nset border 0\n"
    << "set cbrange [0:100]\nset cblabel 'share of the true class (%)'\n"
    << "set palette defined (0 '#ffffff', 30 '#9ecae1', 60 '#3182bd', 100 '#08306b')\n"
    << "set size ratio -1\nunset key\n"
    << "plot 'confusion.dat' using 1:2:3 with image, \\\n"
    << "  '' using 1:2:($3 >= 55 ? sprintf(\"%d\\n%.0f%%\", $4, $3) : '') with labels "
       "tc rgb '#ffffff' font ',10', \\\n"
    << "  '' using 1:2:($3 < 55 ? sprintf(\"%d\\n%.0f%%\", $4, $3) : '') with labels "
       "tc rgb '#222222' font ',10'\n";
  f.body = b.str();
  return f;
}

Figure per_class_scores(const Metrics& m, const std::string& title) {
  const auto C = m.labels.size();
  Figure f{"per_class", std::max(800, 140 + 110 * static_cast<int>(C)), 560, "", {}};
  std::ostringstream d;
  d << "# class precision_pct recall_pct f1_pct support\n";
  for (std::size_t c = 0; c < C; ++c)
    d << quote(m.labels[c]) << ' ' << num(100 * m.per_class[c].precision) << ' '
      << num(100 * m.per_class[c].recall) << ' ' << num(100 * m.per_class[c].f1) << ' '
      << m.per_class[c].support << '\n';
  f.data.emplace_back("per_class.dat", d.str());
  std::ostringstream b;
  b << "set title " << quote(title) << " font ',14'\n"
    << "set ylabel 'score (%)'\nset xlabel 'class (number of test clips)'\nset yrange [0:110]\n"
    << "set ytics 0,20,100\n"
    << "set style data histogram\nset style histogram clustered gap 1\nset boxwidth 0.9\n"
    << "set key top center horizontal\nset xtics rotate by 25 right\n"
    << "plot 'per_class.dat' using 2:xtic(sprintf('%s (%d)', strcol(1), $5)) lt 1 title "
       "'precision', '' using 3 lt 2 title 'recall', '' using 4 lt 3 title 'F1'\n";
  f.body = b.str();
  return f;
}

Figure robustness_chart(const RobustnessReport& report, const std::string& title) {
  const auto n = report.conditions.size();
  Figure f{"robustness", std::max(900, 160 + 60 * static_cast<int>(n)), 820, "", {}};
  std::ostringstream d;
  d << "# x condition ua_pct unchanged_pct group\n";
  for (std::size_t i = 0; i < n; ++i) {
    const auto& c = report.conditions[i];
    d << i << ' ' << quote(c.name) << ' ' << num(100 * c.ua) << ' ' << num(100 * c.unchanged) << ' '
      << quote(c.group) << '\n';
  }
  f.data.emplace_back("robustness.dat", d.str());
  const double clean = n ? 100 * report.conditions[0].ua : 0;
  const double chance = report.classes.empty() ? 0 : 100.0 / report.classes.size();
  std::ostringstream b;
  b << "set multiplot layout 2,1 title " << quote(title) << " font ',14'\n"
    << "set style fill solid 0.8 border -1\nset boxwidth 0.7\nset yrange [0:105]\n"
    << "set ytics 0,20,100\nset xrange [-0.6:" << num(n - 0.4) << "]\n"
    << "set xtics rotate by 35 right font ',9'\nset key top right\n"
    << "set ylabel 'UA (%)'\n"
    << "plot 'robustness.dat' using 1:3:xtic(2) with boxes lt 1 title 'UA', " << num(clean)
    << " with lines lt 2 dt 2 lw 2 title 'clean', " << num(chance)
    << " with lines lt 8 dt 3 lw 2 title 'chance'\n"
    << "set ylabel 'predictions unchanged (%)'\n"
    << "plot 'robustness.dat' using 1:4:xtic(2) with boxes lt 3 title 'same as on the clean clip'\n"
    << "unset multiplot\n";
  f.body = b.str();
  return f;
}

Figure probability_bars(const RecordingPrediction& p, const std::string& name) {
  Figure f{name + "_probabilities", 900, 520, "", {}};
  std::vector<std::size_t> order(p.labels.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](auto a, auto b) { return p.probabilities[a] > p.probabilities[b]; });
  std::ostringstream d;
  d << "# x class probability_pct colour_rgb\n";
  for (std::size_t k = 0; k < order.size(); ++k)
    d << k << ' ' << quote(p.labels[order[k]]) << ' ' << num(100 * p.probabilities[order[k]]) << ' '
      << class_rgb(p.labels[order[k]], order[k]) << '\n';
  f.data.emplace_back(f.name + ".dat", d.str());
  std::ostringstream b;
  b << "set title " << quote(cat(p.file, ": ", p.predicted)) << " font ',14'\n"
    << "set ylabel 'probability (%)'\nset xlabel 'emotion (most likely first)'\n"
    << "set yrange [0:"
    << "105]\nset xrange [-0.6:" << num(order.size() - 0.4) << "]\n"
    << "set boxwidth 0.7\nunset key\nset xtics rotate by 25 right\n"
    << "plot '" << f.name << ".dat' using 1:3:4:xtic(2) with boxes lc rgb variable, \\\n"
    << "  '' using 1:($3 + 3):(sprintf('%.1f%%', $3)) with labels font ',10'\n";
  f.body = b.str();
  return f;
}

Figure probability_pie(const RecordingPrediction& p, const std::string& name) {
  Figure f{name + "_pie", 820, 620, "", {}};
  std::ostringstream d;
  d << "# start_deg end_deg colour_rgb label probability_pct mid_deg\n";
  double angle = 90;  // start at 12 o'clock, go clockwise
  for (std::size_t i = 0; i < p.labels.size(); ++i) {
    const double sweep = 360.0 * p.probabilities[i];
    d << num(angle - sweep) << ' ' << num(angle) << ' ' << class_rgb(p.labels[i], i) << ' '
      << quote(p.labels[i]) << ' ' << num(100 * p.probabilities[i]) << ' ' << num(angle - sweep / 2)
      << '\n';
    angle -= sweep;
  }
  f.data.emplace_back(f.name + ".dat", d.str());
  std::ostringstream b;
  b << "set title " << quote(cat(p.file, ": ", p.predicted, " (probability per emotion)"))
    << " font ',14'\n"
    << "unset border\nunset tics\nunset grid\nset size ratio -1\n"
    << "set xrange [-1.9:1.9]\nset yrange [-1.35:1.35]\nset style fill solid 1 border "
       "rgb '#ffffff'\nunset key\n"
    // Slices under 3 % get no label: they would overlap.
    << "plot '" << f.name << ".dat' using (0):(0):(1):1:2:3 with circles lc rgb variable, \\\n"
    << "  '' using (1.22 * cos($6 * pi / 180)):(1.12 * sin($6 * pi / 180)):"
       "($5 >= 3 ? sprintf('%s %.0f%%', strcol(4), $5) : '') with labels font ',11'\n";
  f.body = b.str();
  return f;
}

Figure emotion_timeline(const RecordingPrediction& p, const std::string& name) {
  Figure f{name + "_timeline", 1200, 560, "", {}};
  const std::size_t C = p.labels.size();
  const auto& tl = p.timeline;
  // Each window is drawn over the time nearest its centre (half-way to its neighbours' centres;
  // the first from its start, the last to its end): a stacked step chart, two rows per window.
  const auto centre = [&](std::size_t k) { return (tl[k].start_s + tl[k].end_s) / 2; };
  std::ostringstream d, band;
  d << "# time_s, cumulative probability (%) per class in label order (columns 2..); two rows "
       "per window (its span's start and end)\n";
  band << "# from_s to_s colour_rgb_of_the_most_likely_class\n";
  for (std::size_t k = 0; k < tl.size(); ++k) {
    const double from = k == 0 ? tl[k].start_s : (centre(k - 1) + centre(k)) / 2;
    const double to = k + 1 == tl.size() ? tl[k].end_s : (centre(k) + centre(k + 1)) / 2;
    std::ostringstream row;
    double cum = 0;
    std::size_t best = 0;
    for (std::size_t c = 0; c < C; ++c) {
      cum += 100 * tl[k].probabilities[c];
      row << ' ' << num(cum);
      if (tl[k].probabilities[c] > tl[k].probabilities[best]) best = c;
    }
    row << '\n';
    d << num(from) << row.str() << num(to) << row.str();
    band << num(from) << ' ' << num(to) << ' ' << class_rgb(p.labels[best], best) << '\n';
  }
  f.data.emplace_back(f.name + ".dat", d.str());
  f.data.emplace_back(f.name + "_band.dat", band.str());
  std::ostringstream b;
  b << "set title "
    << quote(cat(p.file, ": emotion over time (", tl.size(), " windows of ",
                 num(tl.front().end_s - tl.front().start_s), " s)"))
    << " font ',14'\n"
    << "set xlabel 'time (s); top band: most likely emotion'\n"
    << "set ylabel 'probability, stacked (%)'\n"
    << "set xrange [0:" << num(std::max(p.duration_s, tl.back().end_s)) << "]\n"
    << "set yrange [0:112]\nset ytics 0,20,100\nset key outside right top\n"
    << "set style fill solid 0.9 noborder\nplot ";
  for (std::size_t c = 0; c < C; ++c) {
    const std::string lower = c == 0 ? "(0)" : cat("(column(", 1 + c, "))");
    b << (c ? ", \\\n  " : "") << "'" << f.name << ".dat' using 1:" << lower << ":" << 2 + c
      << " with filledcurves lc rgb " << rgb_literal(class_rgb(p.labels[c], c)) << " title "
      << quote(p.labels[c]);
  }
  // The band: a filled box over each window's span, coloured by its most likely class.
  b << ", \\\n  '" << f.name
    << "_band.dat' using (($1 + $2) / 2):(107):1:2:(104):(110):3 with boxxyerror lc rgb variable "
       "notitle\n";
  f.body = b.str();
  return f;
}

}  // namespace calmspace::plot
