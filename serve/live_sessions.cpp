#include "serve/live_sessions.h"

#include <chrono>
#include <cstring>
#include <ctime>

#include "core/base/error.h"
#include "core/predict/prediction_json.h"

namespace calmspace::serve {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kNormal = 1000, kPolicy = 1008, kUnsupported = 1003, kTryLater = 1013;
constexpr int kChunksPerTurn = 8;  // a worker's turn on one stream before the next stream's

// A 16-bit mono WAV file of `samples` (the live recording as an upload of it would be).
std::string wav_bytes(const std::vector<std::int16_t>& samples, int rate) {
  const auto data = static_cast<std::uint32_t>(samples.size() * 2);
  std::string out;
  out.reserve(44 + data);
  const auto u32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>(v >> (8 * i) & 0xFF);
  };
  const auto u16 = [&](std::uint32_t v) {
    for (int i = 0; i < 2; ++i) out += static_cast<char>(v >> (8 * i) & 0xFF);
  };
  out += "RIFF";
  u32(36 + data);
  out += "WAVEfmt ";
  u32(16);
  u16(1);  // PCM
  u16(1);  // mono
  u32(static_cast<std::uint32_t>(rate));
  u32(static_cast<std::uint32_t>(rate) * 2);
  u16(2);
  u16(16);
  out += "data";
  u32(data);
  for (const std::int16_t v : samples) u16(static_cast<std::uint16_t>(v));
  return out;
}

std::string default_name() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64];
  std::strftime(text, sizeof text, "Live %Y-%m-%d %H.%M.%S.wav", &utc);
  return text;
}

}  // namespace

struct LiveSessions::Session {
  struct Chunk {
    std::vector<float> samples;
    Clock::time_point arrived;
  };
  std::mutex mutex;  // everything below but predictor and live (the scheduled worker's own)
  std::unique_ptr<Predictor> predictor;
  std::unique_ptr<LiveStream> live;
  std::deque<Chunk> inbox;
  std::vector<std::int16_t> audio;  // all of it, for storing
  Clock::time_point opened = Clock::now();
  Clock::time_point last_audio = opened;  // or the stop message
  bool scheduled = false, at_limit = false, stop_requested = false, store = false;
  bool gone = false, finished = false;
  std::string name;
};

LiveSessions::LiveSessions(ApiContext& api, const LiveLimits& limits, int workers)
    : api_(api), limits_(limits) {
  for (int w = 0; w < std::max(1, workers); ++w) workers_.emplace_back([this] { work(); });
  idle_watcher_ = std::thread([this] { reap_idle(); });
}

LiveSessions::~LiveSessions() {
  shutdown();
}

void LiveSessions::shutdown() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  stopped_.notify_all();
  for (std::thread& t : workers_)
    if (t.joinable()) t.join();
  if (idle_watcher_.joinable()) idle_watcher_.join();
}

// Every tenth of idle_s (at most a second), closes the streams that sent nothing for idle_s.
void LiveSessions::reap_idle() {
  const auto period = std::chrono::duration<double>(std::min(1.0, limits_.idle_s / 10));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopped_.wait_for(lock, period, [this] { return stopping_; })) {
    // The sessions first, then each one's own lock without mutex_: a worker holds a session's
    // lock while it takes mutex_ (schedule, the next turn), so the other order would deadlock.
    const std::vector<std::pair<Id, std::shared_ptr<Session>>> open(sessions_.begin(),
                                                                    sessions_.end());
    lock.unlock();
    std::vector<Id> idle;
    const Clock::time_point now = Clock::now();
    for (const auto& [id, s] : open) {
      const std::lock_guard<std::mutex> session_lock(s->mutex);
      if (!s->stop_requested &&
          std::chrono::duration<double>(now - s->last_audio).count() > limits_.idle_s)
        idle.push_back(id);
    }
    for (const Id id : idle)
      refuse(id, kPolicy, cat("no audio for ", limits_.idle_s, " s; live stream closed"));
    lock.lock();
  }
}

LiveSocketServer::Handlers LiveSessions::handlers() {
  return {
      [this](Id id, const std::string& resource) { open(id, resource); },
      [this](Id id, std::string payload, bool binary) { message(id, std::move(payload), binary); },
      [this](Id id) { closed(id); },
      /*validate=*/{}};
}

int LiveSessions::active() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(sessions_.size());
}

bool LiveSessions::wait_active(int n, std::chrono::seconds bound) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return count_changed_.wait_for(lock, bound,
                                 [&] { return static_cast<int>(sessions_.size()) == n; });
}

void LiveSessions::refuse(Id id, int code, const std::string& message) {
  socket_->send_text(id, nlohmann::json{{"type", "error"}, {"message", message}}.dump(),
                     std::size_t{1} << 30);
  socket_->close(id, code, message);
}

void LiveSessions::send(Id id, const nlohmann::json& message) {
  if (!socket_->send_text(id, message.dump(), limits_.max_unsent_bytes)) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (sessions_.count(id) != 0)
      socket_->close(id, kPolicy, "the client is not reading its updates; stream closed");
  }
}

void LiveSessions::open(Id id, const std::string& resource) {
  if (resource.substr(0, resource.find('?')) != "/live")
    return refuse(id, kPolicy, "unknown live resource '" + resource + "' (use /live)");
  const auto full = [&] {
    const std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(sessions_.size()) >= limits_.max_streams;
  };
  const std::string busy = cat("the server already has ", limits_.max_streams,
                               " live streams, its limit; try again in a moment");
  if (full()) return refuse(id, kTryLater, busy);
  auto s = std::make_shared<Session>();
  const ModelChoice::InUse model = api_.models.current();
  try {  // a model live analysis cannot run (LiveStream says why) is refused before it counts
    s->predictor = std::make_unique<Predictor>(*model.members, /*threads=*/1);
    s->live = std::make_unique<LiveStream>(*s->predictor, limits_.live);
  } catch (const InputError& e) {
    return refuse(id, kUnsupported, e.what());
  }
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (static_cast<int>(sessions_.size()) >= limits_.max_streams)
      return refuse(id, kTryLater, busy);  // filled while this one's model was made
    sessions_[id] = s;
  }
  count_changed_.notify_all();
  send(id, {{"type", "ready"},
            {"sample_rate", s->predictor->sample_rate()},
            {"format", "s16le"},
            {"hop_s", limits_.live.hop_s},
            {"window_s", limits_.live.window_s},
            {"labels", s->predictor->labels()},
            {"so_far", s->live->so_far_mode()},
            {"max_seconds", limits_.max_seconds},
            {"model", to_string(model.kind)},
            {"enrolled", model.enrolled}});
}

void LiveSessions::message(Id id, std::string payload, bool binary) {
  std::shared_ptr<Session> s;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    s = it->second;
  }
  const double rate = api_.models.base().config().audio.sample_rate;
  std::unique_lock<std::mutex> lock(s->mutex);
  if (s->stop_requested) return;  // nothing counts after "stop"
  if (!binary) {
    nlohmann::json j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || j.value("type", "") != "stop") {
      lock.unlock();
      return refuse(id, kUnsupported, "unknown message; expected audio or {\"type\": \"stop\"}");
    }
    s->stop_requested = true;
    s->last_audio = Clock::now();
    s->store = j.value("store", false);
    s->name = j.value("name", "");
    schedule(id, *s);
    return;
  }
  if (payload.size() % 2 != 0) {
    lock.unlock();
    return refuse(id, kUnsupported, "audio messages are 16-bit samples: an even number of bytes");
  }
  const auto have = static_cast<double>(s->audio.size());
  const double elapsed = std::chrono::duration<double>(Clock::now() - s->opened).count();
  auto n = static_cast<std::int64_t>(payload.size() / 2);
  if (have + double(n) > (elapsed * limits_.max_speed + limits_.burst_s) * rate) {
    lock.unlock();
    return refuse(id, kPolicy,
                  cat("audio is arriving faster than real time (", (have + double(n)) / rate,
                      " s of audio in ", elapsed, " s); send it as it is recorded"));
  }
  const auto room =
      static_cast<std::int64_t>(limits_.max_seconds * rate) - static_cast<std::int64_t>(have);
  if (n > room) {
    n = std::max<std::int64_t>(room, 0);
    if (!s->at_limit) {
      s->at_limit = true;
      socket_->send_text(
          id,
          nlohmann::json{{"type", "limit"},
                         {"message", cat("a live stream holds at most ", limits_.max_seconds,
                                         " s; stop to keep what was said")}}
              .dump(),
          std::size_t{1} << 30);
    }
    if (n == 0) return;  // (audio past the limit does not keep the stream from going idle)
  }
  Session::Chunk chunk;
  chunk.arrived = Clock::now();
  s->last_audio = chunk.arrived;
  chunk.samples.resize(static_cast<std::size_t>(n));
  const std::size_t at = s->audio.size();
  s->audio.resize(at + static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    std::int16_t v;
    std::memcpy(&v, payload.data() + 2 * i, 2);  // little-endian hosts (x86-64, arm64)
    s->audio[at + static_cast<std::size_t>(i)] = v;
    chunk.samples[static_cast<std::size_t>(i)] = float(v) / 32768.0f;
  }
  s->inbox.push_back(std::move(chunk));
  schedule(id, *s);
}

void LiveSessions::closed(Id id) {
  std::shared_ptr<Session> s;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    s = it->second;
    sessions_.erase(it);
  }
  count_changed_.notify_all();
  const std::lock_guard<std::mutex> lock(s->mutex);
  s->gone = true;  // a worker holding it stops at its next chunk; nothing is stored
  s->inbox.clear();
}

void LiveSessions::schedule(Id id, Session& s) {
  if (s.scheduled) return;
  s.scheduled = true;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    ready_.push_back(id);
  }
  work_ready_.notify_one();
}

void LiveSessions::work() {
  for (;;) {
    Id id = 0;
    std::shared_ptr<Session> s;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      id = ready_.front();
      ready_.pop_front();
      const auto it = sessions_.find(id);
      if (it == sessions_.end()) continue;
      s = it->second;
    }
    process(id, *s);
  }
}

void LiveSessions::process(Id id, Session& s) {
  const auto& labels = s.predictor->labels();
  std::vector<LiveUpdate> updates;
  for (int turn = 0;; ++turn) {
    Session::Chunk chunk;
    {
      std::unique_lock<std::mutex> lock(s.mutex);
      if (s.gone || s.finished) {
        s.scheduled = false;
        return;
      }
      if (s.inbox.empty()) {
        if (!s.stop_requested) {
          s.scheduled = false;
          return;
        }
        s.finished = true;
        lock.unlock();
        return finish(id, s);
      }
      if (turn == kChunksPerTurn) {  // the other streams' turn; this one goes to the back
        const std::lock_guard<std::mutex> ready_lock(mutex_);
        ready_.push_back(id);
        work_ready_.notify_one();
        return;
      }
      chunk = std::move(s.inbox.front());
      s.inbox.pop_front();
    }
    updates.clear();
    try {
      s.live->push(chunk.samples, updates);
    } catch (const Error& e) {
      refuse(id, kPolicy, e.what());
      const std::lock_guard<std::mutex> lock(s.mutex);
      s.finished = true;
      s.scheduled = false;
      return;
    }
    for (const LiveUpdate& u : updates) {
      nlohmann::json j = live_update_json(u, labels);
      j["type"] = "update";
      j["latency_ms"] =
          std::chrono::duration<double, std::milli>(Clock::now() - chunk.arrived).count();
      send(id, j);
    }
  }
}

void LiveSessions::finish(Id id, Session& s) {
  try {
    nlohmann::json last = live_update_json(s.live->finish(), s.predictor->labels());
    last["type"] = "update";
    send(id, last);
  } catch (const Error& e) {
    return refuse(id, kPolicy, e.what());
  }
  if (s.store) {
    std::string wav;
    std::string name;
    {
      const std::lock_guard<std::mutex> lock(s.mutex);
      wav = wav_bytes(s.audio, s.predictor->sample_rate());
      name = s.name.empty() ? default_name() : display_name(s.name);
    }
    const StoredAnalysis stored = analyse_and_store(api_, name, wav);
    if (stored.status != 201) return refuse(id, kPolicy, stored.error);
    send(id, {{"type", "stored"}, {"analysis", stored.analysis}});
  }
  socket_->close(id, kNormal, "stream ended");
}

}  // namespace calmspace::serve
