// One plain sentence, shown beside every prediction (page and CLI), on how far to trust this
// model for a new voice: from the UA it scored on corpora it never trained on
// (model.unseen_corpus_ua, leave-one-corpus-out; set by `calmspace calibrate
// --unseen-corpus-ua`) against guessing among its classes. A person reads "about 3 times in 10",
// not "UA 0.26".
#pragma once

#include <cstddef>
#include <string>

#include "core/config/model_options.h"

namespace calmspace {

std::string reliability_sentence(const ModelOptions& model, std::size_t num_classes);

}  // namespace calmspace
