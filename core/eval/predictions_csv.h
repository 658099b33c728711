// One row per evaluated clip (`calmspace eval`'s predictions.csv), for looking at the errors and
// for calibration studies outside CalmSpace:
//   utterance_id,path,corpus,speaker,label,predicted,confidence,correct,p_<class>...
// label: the clip's class in the model's names; predicted: the argmax over the scored classes;
// p_<class>: softmax of the evaluation's logits (already divided by the model's temperature)
// over the scored classes, so each row's p_ sum to 1 and `confidence` is the largest, as the
// ECE bins it (core/eval/calibration.h); a class the data does not score has an empty cell.
// Rows in the evaluation's order; probabilities with 6 significant digits.
#pragma once

#include <string>
#include <vector>

#include "core/dataset/dataset_file.h"
#include "core/eval/evaluate.h"

namespace calmspace {

// `e` must come from evaluate_checkpoint(s) on `dataset` (its `clips` name the rows); `labels`
// are the model's classes.
std::string predictions_csv(const DatasetFile& dataset, const Evaluation& e,
                            const std::vector<std::string>& labels);

}  // namespace calmspace
