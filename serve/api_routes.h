// The JSON API (all bodies JSON; errors {"error": message}):
//   POST   /api/analyses            multipart form, the recording in field "audio" -> 201 analysis
//   GET    /api/analyses            ?limit=1..100 (20) &offset=0.. -> {items, total, limit, offset}
//   GET    /api/analyses/{id}       -> analysis
//   GET    /api/analyses/{id}/audio -> the recording as uploaded (type from its decoded format)
//   DELETE /api/analyses/{id}       -> {"deleted": id}
//   PUT    /api/analyses/{id}/label {"label": L, "by": optional} -> analysis with its correction
//                                   (L one of the model's labels: the predicted one marks it
//                                   right; 400 otherwise)
//   DELETE /api/analyses/{id}/label -> analysis, its correction taken back
//   GET    /api/model               -> labels, model and feature options, model card
//   GET    /health                  -> {status: "ok", labels, workers, analyses, max_upload_bytes,
//                                       max_duration_s}
// An analysis: {id, created_at, name, duration_s, predicted, confidence,
//   correction: null or {label, by, at}, source_format, model: "base" or "personal" (which
//   answered: model_choice.h; absent in analyses stored before it), enrolled: whether the
//   person's voice statistics were folded into it (voice_profile.h; absent before them),
//   probabilities: {label: p}, timeline: [{start_s, end_s, predicted, probabilities}],
//   segments: [{start_s, end_s, emotion, confidence, windows}],
//   waveform: {points, seconds_per_point, min, max}}.
// Statuses: 400 bad request (no "audio" field, bad paging, recording too short), 413 over the
// upload limit or needing more memory than the server's budget, 415 not decodable audio (or
// longer than --max-seconds), 404 unknown id or route.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "serve/history_store.h"
#include "serve/memory_budget.h"
#include "serve/model_choice.h"
#include "serve/model_pool.h"
#include "serve/server_options.h"

namespace calmspace::serve {

struct ApiContext {
  ModelChoice& models;  // the base model, or the person's own (personal_model.h)
  HistoryStore& store;
  const ServerOptions& options;
  MemoryBudget& memory;
  nlohmann::json model_info;  // GET /api/model
  std::string reliability;    // reliability_sentence() of the model, in every analysis
};

// What analysing an upload of `upload_bytes` bytes that decodes to `samples` samples holds at
// once: the upload and its stored copy (2x), the decoded samples with the rate conversion's input
// (up to 48 kHz mono: 4x the 16 kHz samples' bytes), and the analysis (memory_needed).
std::int64_t upload_memory_needed(const ModelPool& pool, std::int64_t upload_bytes,
                                  std::int64_t samples, const TimelineOptions& timeline);

// An upload or a stopped live stream, decoded, analysed and stored in the history: status 201
// with the analysis and its id, or the error status (413, 415, 400 as above) and message.
struct StoredAnalysis {
  int status = 0;
  std::string error;
  std::int64_t id = 0;
  nlohmann::json analysis;
};
StoredAnalysis analyse_and_store(ApiContext& ctx, const std::string& name,
                                 const std::string& content);

// Registers the routes above; `context` must outlive the server.
void add_api_routes(httplib::Server& server, ApiContext& context);

// A display name for an upload: the base name of the client's file name, control characters
// removed, at most 120 bytes; "recording" when nothing is left. Only ever shown, never a path.
std::string display_name(const std::string& client_file_name);

}  // namespace calmspace::serve
