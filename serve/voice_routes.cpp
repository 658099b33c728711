#include "serve/voice_routes.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

#include "core/audio/decode.h"
#include "core/base/error.h"
#include "serve/json_response.h"

namespace calmspace::serve {
namespace {

// The most recordings one enrolment takes (a reading is one; a few from the history do).
constexpr std::size_t kMaxVoiceRecordings = 20;

struct Recording {
  std::string name;
  std::string stored;                 // a history recording's bytes (a form's stay in the request)
  std::string_view bytes;             // the file: `stored`, or a file of the request's form
  std::int64_t expected_samples = 0;  // what it decodes to at most (decode.h), for the budget
};

// What one enrolment request brings: the files of a form ("reading"), or recordings of the
// history, each once ("history"); or the message of an error status.
struct VoiceRequest {
  std::vector<Recording> recordings;
  std::string source, error;
  int status = 400;
};

std::span<const std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

VoiceRequest read_request(ApiContext& ctx, const httplib::Request& req,
                          const AudioOptions& options) {
  VoiceRequest out;
  const std::string too_many = cat("at most ", kMaxVoiceRecordings, " recordings make a voice");
  if (req.is_multipart_form_data()) {
    out.source = "reading";
    const auto [first, last] = req.files.equal_range("audio");
    for (auto it = first; it != last; ++it) {
      Recording r{display_name(it->second.filename), {}, it->second.content, 0};
      r.expected_samples = expected_decoded_samples(bytes_of(r.bytes), r.name, options);
      out.recordings.push_back(std::move(r));
    }
    if (out.recordings.empty()) out.error = "expected the reading in the multipart field 'audio'";
    if (out.recordings.size() > kMaxVoiceRecordings) out.error = too_many;
    return out;
  }
  out.source = "history";
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("analyses") || !body["analyses"].is_array() ||
      body["analyses"].empty()) {
    out.error = R"(expected a multipart form with the reading in field 'audio', or a JSON body )"
                R"({"analyses": [id, ...]})";
    return out;
  }
  std::vector<std::int64_t> ids;
  for (const auto& id : body["analyses"]) {
    if (!id.is_number_integer()) {
      out.error = cat("no analysis with id '", id.dump().substr(0, 40), "'");
      return out;
    }
    if (std::find(ids.begin(), ids.end(), id.get<std::int64_t>()) == ids.end())
      ids.push_back(id.get<std::int64_t>());  // each recording counts once
    if (ids.size() > kMaxVoiceRecordings) {
      out.error = too_many;
      return out;
    }
  }
  // The stored files are read before the budget is asked (their decoded length comes from the
  // history), so together they may hold no more than one upload.
  std::size_t loaded = 0;
  for (const std::int64_t id : ids) {
    const auto analysis = ctx.store.get(id);
    auto audio = analysis ? ctx.store.audio(id) : std::nullopt;
    if (!audio) {
      out.error = cat("no analysis with id '", id, "'");
      return out;
    }
    loaded += audio->bytes.size();
    if (loaded > ctx.options.max_upload_bytes) {
      out.status = 413;
      out.error = cat("these recordings hold more than ", ctx.options.max_upload_bytes >> 20,
                      " MB together (the upload limit); choose fewer");
      return out;
    }
    Recording r{cat("analysis ", id), std::move(audio->bytes), {}, 0};
    r.expected_samples =
        static_cast<std::int64_t>(std::ceil(analysis->first.duration_s * options.sample_rate)) + 1;
    out.recordings.push_back(std::move(r));
  }
  for (Recording& r : out.recordings) r.bytes = r.stored;  // views once the vector stays put
  return out;
}

void post_voice(VoiceProfile& voice, ApiContext& ctx, const httplib::Request& req,
                httplib::Response& res) {
  if (const auto why = ctx.models.why_not_enrol(); !why.empty()) return send_error(res, 409, why);
  AudioOptions options = ctx.models.base().config().audio;
  options.max_duration_s = ctx.options.max_duration_s;
  options.max_duration_name = "--max-seconds";
  const VoiceRequest request = read_request(ctx, req, options);
  if (!request.error.empty()) return send_error(res, request.status, request.error);

  // Held at the peak, reserved once before decoding: the files, the samples of every recording
  // (4 bytes each; kept for the statistics) and one recording's decoding beside them (up to
  // 48 kHz mono input: 16 bytes per output sample, as an upload counts it in api_routes.h).
  std::int64_t need = 0, longest = 0;
  for (const Recording& r : request.recordings) {
    need += static_cast<std::int64_t>(r.bytes.size()) + 4 * r.expected_samples;
    longest = std::max(longest, r.expected_samples);
  }
  need += 16 * longest;
  if (need > ctx.memory.total())
    return send_error(res, 413,
                      cat("enrolling from these recordings needs about ", (need >> 20) + 1,
                          " MB, more than the server's memory budget of ", ctx.memory.total() >> 20,
                          " MB (--max-memory-mb)"));
  const MemoryBudget::Reservation reserved(ctx.memory, need);
  std::vector<std::vector<float>> samples;
  for (const Recording& r : request.recordings) {
    try {
      samples.push_back(decode_audio(bytes_of(r.bytes), r.name, options).samples);
    } catch (const InputError& e) {
      return send_error(res, 415, e.what());
    }
  }
  try {
    voice.enrol(samples, request.source);
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
