#include "serve/history_export.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "core/audio/decode.h"
#include "core/audio/encode.h"
#include "core/base/atomic_file.h"
#include "core/base/error.h"

namespace calmspace::serve {
namespace {

namespace fs = std::filesystem;

// RFC 4180: quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

struct Row {
  std::int64_t id;
  std::string path, label;
};

}  // namespace

ExportReport export_corrections(HistoryStore& store, const std::string& out_csv,
                                const ExportOptions& options) {
  if (!(options.holdout >= 0 && options.holdout <= 0.5))
    throw InputError("--holdout", "must be a share from 0 to 0.5");
  const fs::path csv(out_csv);
  const fs::path audio_dir = fs::path(csv).replace_extension("");
  std::error_code ec;
  if (!options.overwrite && (fs::exists(csv, ec) || fs::exists(audio_dir, ec)))
    throw InputError(out_csv, cat("already exists (or its folder ", audio_dir.string(),
                                  " does); choose another name or pass --overwrite"));
  const std::vector<std::int64_t> ids = store.labelled_ids();
  if (ids.empty())
    throw InputError(out_csv, "nothing to export: no analysis in the history has a label yet");
  if (options.overwrite) fs::remove_all(audio_dir, ec);
  fs::create_directories(audio_dir, ec);
  if (ec) throw InputError(audio_dir.string(), "cannot create the folder (" + ec.message() + ")");

  ExportReport report;
  report.manifest = out_csv;
  AudioOptions audio;  // 16 kHz mono, what prepare reads
  std::vector<Row> rows;
  for (const std::int64_t id : ids) {
    const auto rec = store.labelled(id);
    if (!rec) continue;  // deleted or unlabelled since the list was read
    const auto* bytes = reinterpret_cast<const std::byte*>(rec->audio.bytes.data());
    try {
      const Audio decoded = decode_audio({bytes, rec->audio.bytes.size()}, rec->name, audio);
      const std::string name = std::to_string(id) + ".flac";
      write_flac16((audio_dir / name).string(), decoded.samples, decoded.sample_rate);
      rows.push_back({id, (audio_dir.filename() / name).generic_string(), rec->label});
    } catch (const InputError& e) {
      report.skipped.emplace_back(id, e.reason());
    }
  }
  if (rows.empty())
    throw InputError(out_csv, cat("none of the ", ids.size(), " labelled recordings decodes"));

  // The newest round(share * n) clips of each label are held out, while one stays for training.
  std::map<std::string, std::vector<std::size_t>> by_label;
  for (std::size_t i = 0; i < rows.size(); ++i) by_label[rows[i].label].push_back(i);
  std::vector<char> valid(rows.size(), 0);
  for (const auto& [label, members] : by_label) {
    const auto n = static_cast<std::int64_t>(members.size());
    const std::int64_t hold =
        std::min<std::int64_t>(std::llround(options.holdout * double(n)), n - 1);
    for (std::int64_t k = n - hold; k < n; ++k) valid[members[static_cast<std::size_t>(k)]] = 1;
  }
  std::string text = "path,label,speaker,split\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    text += cat(csv_field(rows[i].path), ",", csv_field(rows[i].label), ",",
                csv_field(options.speaker), ",", valid[i] ? "valid" : "train", "\n");
    report.held_out += valid[i];
  }
  report.written = static_cast<std::int64_t>(rows.size());
  write_text_file_atomic(out_csv, text);
  return report;
}

}  // namespace calmspace::serve
