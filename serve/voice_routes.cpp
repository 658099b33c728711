#include "serve/voice_routes.h"

#include <vector>

#include "core/audio/decode.h"
#include "core/base/error.h"
#include "serve/json_response.h"

namespace calmspace::serve {
namespace {

// The most recordings one enrolment takes from the history (a reading needs a few).
constexpr std::size_t kMaxHistoryRecordings = 20;

struct Recording {
  std::string name, bytes;
};

// What one enrolment request brings: files of a form, or recordings of the history; an error
// message (status 400) when the body is neither.
std::vector<Recording> recordings_of(ApiContext& ctx, const httplib::Request& req,
                                     std::string& source, std::string& error) {
  std::vector<Recording> out;
  if (req.is_multipart_form_data()) {
    source = "reading";
    const auto [first, last] = req.files.equal_range("audio");
    for (auto it = first; it != last; ++it)
      out.push_back({display_name(it->second.filename), it->second.content});
    if (out.empty()) error = "expected the reading in the multipart field 'audio'";
    return out;
  }
  source = "history";
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("analyses") || !body["analyses"].is_array() ||
      body["analyses"].empty() || body["analyses"].size() > kMaxHistoryRecordings) {
    error = cat(R"(expected a multipart form with the reading in field 'audio', or a JSON body )",
                R"({"analyses": [id, ...]} of 1 to )", kMaxHistoryRecordings, " analyses");
    return {};
  }
  for (const auto& id : body["analyses"]) {
    const auto audio =
        id.is_number_integer() ? ctx.store.audio(id.get<std::int64_t>()) : std::nullopt;
    if (!audio) {
      error = cat("no analysis with id '", id.dump().substr(0, 40), "'");
      return {};
    }
    out.push_back({cat("analysis ", id.get<std::int64_t>()), audio->bytes});
  }
  return out;
}

void post_voice(VoiceProfile& voice, ApiContext& ctx, const httplib::Request& req,
                httplib::Response& res) {
  if (const auto why = ctx.models.why_not_enrol(); !why.empty()) return send_error(res, 409, why);
  std::string source, error;
  const std::vector<Recording> recordings = recordings_of(ctx, req, source, error);
  if (!error.empty()) return send_error(res, 400, error);

  const ModelPool& base = ctx.models.base();
  AudioOptions options = base.config().audio;
  options.max_duration_s = ctx.options.max_duration_s;
  options.max_duration_name = "--max-seconds";
  // Held at once: the request's bytes and, per recording, its decoding (4x its 16 kHz samples'
  // bytes, as an upload) and the samples kept for the statistics.
  std::int64_t need = 0;
  for (const Recording& r : recordings) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(r.bytes.data()),
                                           r.bytes.size());
    need += static_cast<std::int64_t>(r.bytes.size()) +
            20 * expected_decoded_samples(bytes, r.name, options);
  }
  if (need > ctx.memory.total())
    return send_error(res, 413,
                      cat("enrolling from these recordings needs about ", (need >> 20) + 1,
                          " MB, more than the server's memory budget of ", ctx.memory.total() >> 20,
                          " MB (--max-memory-mb)"));
  MemoryBudget::Reservation reserved(ctx.memory, need);
  std::vector<std::vector<float>> samples;
  for (const Recording& r : recordings) {
    try {
      const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(r.bytes.data()),
                                             r.bytes.size());
      samples.push_back(decode_audio(bytes, r.name, options).samples);
    } catch (const InputError& e) {
      return send_error(res, 415, e.what());
    }
  }
  try {
    voice.enrol(samples, source);
  } catch (const InputError& e) {
    return send_error(res, e.subject() == "voice" ? 400 : 500, e.reason());
  }
  send_json(res, 200, voice.status());
}

}  // namespace

void add_voice_routes(httplib::Server& server, VoiceProfile& voice, ApiContext& ctx) {
  server.Get("/api/voice", [&voice](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, voice.status());
  });
  server.Post("/api/voice", [&voice, &ctx](const httplib::Request& req, httplib::Response& res) {
    post_voice(voice, ctx, req, res);
  });
  server.Delete("/api/voice", [&voice](const httplib::Request&, httplib::Response& res) {
    voice.forget();
    send_json(res, 200, voice.status());
  });
}

}  // namespace calmspace::serve
