#include "serve/api_routes.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "core/audio/decode.h"
#include "core/audio/flac_pack.h"
#include "core/base/error.h"
#include "core/predict/prediction_json.h"
#include "serve/json_response.h"
#include "serve/waveform.h"

namespace calmspace::serve {
namespace {

nlohmann::json correction_json(const std::optional<Correction>& c) {
  if (!c) return nullptr;
  return {{"label", c->label}, {"by", c->by}, {"at", c->at}};
}

nlohmann::json summary_json(const AnalysisSummary& s) {
  return {{"id", s.id},
          {"created_at", s.created_at},
          {"name", s.name},
          {"duration_s", s.duration_s},
          {"predicted", s.predicted},
          {"confidence", s.confidence},
          {"correction", correction_json(s.correction)}};
}

// The summary's fields plus the stored result's (probabilities, timeline, waveform, ...).
nlohmann::json analysis_json(const AnalysisSummary& s, const nlohmann::json& result) {
  nlohmann::json out = result;
  out.update(summary_json(s));
  return out;
}

// A strictly positive decimal id ("12"), or nullopt ("", "-1", "1x", "0x1f", 20 digits...).
std::optional<std::int64_t> parse_id(const std::string& text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0 || text[0] == '+')
    return std::nullopt;
  return id;
}

// An integer query parameter within [lo, hi], `fallback` when absent; nullopt when malformed.
std::optional<std::int64_t> query_int(const httplib::Request& req, const char* key,
                                      std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  if (!req.has_param(key)) return fallback;
  const std::string text = req.get_param_value(key);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi)
    return std::nullopt;
  return v;
}

void post_analysis(ApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  if (!req.is_multipart_form_data() || !req.has_file("audio"))
    return send_error(res, 400,
                      "expected a multipart/form-data body with the recording in field 'audio'");
  const httplib::MultipartFormData file = req.get_file_value("audio");
  const StoredAnalysis stored = analyse_and_store(ctx, display_name(file.filename), file.content);
  if (stored.status != 201) return send_error(res, stored.status, stored.error);
  res.set_header("Location", "/api/analyses/" + std::to_string(stored.id));
  send_json(res, 201, stored.analysis);
}

void list_analyses(ApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const auto limit = query_int(req, "limit", 20, 1, 100);
  const auto offset = query_int(req, "offset", 0, 0, std::int64_t{1} << 62);
  if (!limit) return send_error(res, 400, "limit must be an integer from 1 to 100");
  if (!offset) return send_error(res, 400, "offset must be a non-negative integer");
  nlohmann::json items = nlohmann::json::array();
  for (const auto& s : ctx.store.list(static_cast<int>(*limit), *offset))
    items.push_back(summary_json(s));
  send_json(
      res, 200,
      {{"items", items}, {"total", ctx.store.count()}, {"limit", *limit}, {"offset", *offset}});
}

void no_such_analysis(httplib::Response& res, const std::string& id) {
  send_error(res, 404, "no analysis with id '" + id.substr(0, 40) + "'");
}

// PUT /api/analyses/{id}/label with {"label": one of the model's labels, "by": optional name}.
void put_label(ApiContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string text = req.matches[1];
  const auto id = parse_id(text);
  if (!id) return no_such_analysis(res, text);
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("label") || !body["label"].is_string())
    return send_error(res, 400, R"(expected a JSON body {"label": "<one of the model's labels>"})");
  const auto label = body["label"].get<std::string>();
  const auto& labels = ctx.models.base().labels();
  if (std::find(labels.begin(), labels.end(), label) == labels.end()) {
    std::string known;
    for (const auto& l : labels) known += (known.empty() ? "" : ", ") + l;
    return send_error(
        res, 400,
        cat("'", label.substr(0, 40), "' is not one of the model's labels (", known, ")"));
  }
  std::string by = "user";
  if (body.contains("by")) {
    if (!body["by"].is_string() || body["by"].get<std::string>().empty() ||
        body["by"].get<std::string>().size() > 64)
      return send_error(res, 400, "\"by\" must be a name of 1 to 64 characters");
    by = display_name(body["by"].get<std::string>());
  }
  if (!ctx.store.set_label(*id, label, by)) return no_such_analysis(res, text);
  const auto found = ctx.store.get(*id);
  if (!found) return no_such_analysis(res, text);  // deleted in between
  send_json(res, 200, analysis_json(found->first, found->second));
}

}  // namespace

StoredAnalysis analyse_and_store(ApiContext& ctx, const std::string& name,
                                 const std::string& content) {
  const auto* bytes = reinterpret_cast<const std::byte*>(content.data());
  // The model in use when the analysis starts answers it, even if the person switches meanwhile.
  const ModelChoice::InUse model = ctx.models.current();
  ModelPool& pool = *model.pool;
  AudioOptions audio_options = pool.config().audio;
  audio_options.max_duration_s = ctx.options.max_duration_s;
  audio_options.max_duration_name = "--max-seconds";
  const std::span<const std::byte> upload(bytes, content.size());
  const auto upload_bytes = static_cast<std::int64_t>(content.size());
  const std::int64_t need = upload_memory_needed(
      pool, upload_bytes, expected_decoded_samples(upload, name, audio_options),
      ctx.options.timeline);
  if (need > ctx.memory.total())
    return {413,
            cat(name, ": analysing this recording needs about ", (need >> 20) + 1,
                " MB, more than the server's memory budget of ", ctx.memory.total() >> 20,
                " MB (--max-memory-mb)"),
            0,
            {}};
  MemoryBudget::Reservation reserved(ctx.memory, need);
  Audio audio;
  try {
    audio = decode_audio(upload, name, audio_options);
  } catch (const InputError& e) {
    return {415, e.what(), 0, {}};
  }
  reserved.resize(upload_memory_needed(
      pool, upload_bytes, static_cast<std::int64_t>(audio.samples.size()), ctx.options.timeline));
  Prediction p;
  try {
    p = pool.predict(audio.samples, ctx.options.timeline);
  } catch (const InputError& e) {
    return {400, name + ": " + e.reason(), 0, {}};
  }
  const auto& labels = pool.labels();
  nlohmann::json result = prediction_json(name, p, labels, ctx.reliability);
  result.erase("file");
  result["model"] = to_string(model.kind);
  result["enrolled"] = model.enrolled;  // the person's voice statistics folded in
  result["source_format"] = audio.source_format;
  result["waveform"] = waveform_json(audio.samples, audio.sample_rate);
  // Uncompressed integer PCM is kept as lossless FLAC: the same samples in about a fifth of the
  // bytes, which is most of what the history writes to disk (core/audio/flac_pack.h).
  const std::optional<std::string> packed = pack_pcm_as_flac(upload);
  const AnalysisSummary s = ctx.store.add(
      name, p.duration_s, labels[p.predicted], p.probabilities[p.predicted], result,
      packed ? *packed : content, audio_mime_type(packed ? "FLAC" : audio.source_format));
  return {201, "", s.id, analysis_json(s, result)};
}

std::int64_t upload_memory_needed(const ModelPool& pool, std::int64_t upload_bytes,
                                  std::int64_t samples, const TimelineOptions& timeline) {
  return 2 * upload_bytes + 16 * samples + pool.memory_needed(samples, timeline);
}

std::string display_name(const std::string& client_file_name) {
  std::string name = client_file_name;
  if (const auto slash = name.find_last_of("/\\"); slash != std::string::npos)
    name = name.substr(slash + 1);
  std::string clean;
  for (unsigned char c : name)
    if (c >= 0x20 && c != 0x7F) clean += static_cast<char>(c);
  if (clean.size() > 120) clean.resize(120);
  return clean.empty() ? "recording" : clean;
}

void add_api_routes(httplib::Server& server, ApiContext& ctx) {
  server.Post("/api/analyses", [&ctx](const httplib::Request& req, httplib::Response& res) {
    post_analysis(ctx, req, res);
  });
  server.Get("/api/analyses", [&ctx](const httplib::Request& req, httplib::Response& res) {
    list_analyses(ctx, req, res);
  });
  server.Get("/api/analyses/([^/]+)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const std::string text = req.matches[1];
    const auto id = parse_id(text);
    const auto found = id ? ctx.store.get(*id) : std::nullopt;
    if (!found) return no_such_analysis(res, text);
    send_json(res, 200, analysis_json(found->first, found->second));
  });
  server.Get("/api/analyses/([^/]+)/audio",
             [&ctx](const httplib::Request& req, httplib::Response& res) {
               const std::string text = req.matches[1];
               const auto id = parse_id(text);
               const auto audio = id ? ctx.store.audio(*id) : std::nullopt;
               if (!audio) return no_such_analysis(res, text);
               // One byte range at most: a player seeks with one, and a thousand overlapping
               // ranges would multiply the response (issue 20).
               if (req.ranges.size() > 1) {
                 // cpp-httplib would cut even the error body into the ranges asked for; the
                 // Request it hands over is its own non-const object, so clearing is safe.
                 const_cast<httplib::Request&>(req).ranges.clear();  // NOLINT
                 return send_error(res, 416, "one byte range per request");
               }
               // Status left unset: cpp-httplib answers 200, or 206 with Content-Range for a
               // Range request, which the page's player needs to seek.
               res.set_content(audio->bytes, audio->mime_type.c_str());
             });
  server.Delete("/api/analyses/([^/]+)",
                [&ctx](const httplib::Request& req, httplib::Response& res) {
                  const std::string text = req.matches[1];
                  const auto id = parse_id(text);
                  if (!id || !ctx.store.remove(*id)) return no_such_analysis(res, text);
                  send_json(res, 200, {{"deleted", *id}});
                });
  server.Put(
      "/api/analyses/([^/]+)/label",
      [&ctx](const httplib::Request& req, httplib::Response& res) { put_label(ctx, req, res); });
  server.Delete("/api/analyses/([^/]+)/label",
                [&ctx](const httplib::Request& req, httplib::Response& res) {
                  const std::string text = req.matches[1];
                  const auto id = parse_id(text);
                  if (!id || !ctx.store.clear_label(*id)) return no_such_analysis(res, text);
                  const auto found = ctx.store.get(*id);
                  if (!found) return no_such_analysis(res, text);
                  send_json(res, 200, analysis_json(found->first, found->second));
                });
  server.Get("/api/model", [&ctx](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, ctx.model_info);
  });
  server.Get("/health", [&ctx](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200,
              {{"status", "ok"},
               {"labels", ctx.models.base().labels().size()},
               {"workers", ctx.models.base().size()},
               {"analyses", ctx.store.count()},
               {"max_upload_bytes", ctx.options.max_upload_bytes},
               {"max_duration_s", ctx.options.max_duration_s},
               {"max_memory_bytes", ctx.memory.total()},
               {"memory_in_use_bytes", ctx.memory.in_use()}});
  });
}

}  // namespace calmspace::serve
