#include "serve/history_export.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>

#include "core/audio/decode.h"
#include "core/audio/encode.h"
#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/base/text.h"

namespace calmspace::serve {
namespace {

namespace fs = std::filesystem;

// True when `inner` is `outer` or lies under it (both canonical).
bool within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i)
    if (i == inner.end() || *i != *o) return false;
  return true;
}

// True when `dir` holds only what an export writes there: files named <digits>.flac.
bool made_by_export(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string stem = entry.path().stem().string();
    if (!entry.is_regular_file(ec) || entry.path().extension() != ".flac" || stem.empty() ||
        !std::all_of(stem.begin(), stem.end(), [](unsigned char c) { return std::isdigit(c); }))
      return false;
  }
  return !ec;
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
  if (options.speaker.empty()) throw InputError("--speaker", "must not be empty");
  const fs::path csv(out_csv);
  if (csv.extension() != ".csv" || csv.stem().empty() || csv.stem() == ".")
    throw InputError(out_csv,
                     "must name a .csv file (the recordings go to the folder of the same "
                     "name without .csv)");
  const fs::path audio_dir = csv.parent_path() / csv.stem();
  const fs::path staging = csv.parent_path() / ("." + csv.stem().string() + ".export-tmp");
  std::error_code ec;
  if (!options.data_dir.empty()) {
    const fs::path data = fs::weakly_canonical(options.data_dir, ec);
    for (const fs::path& p : {fs::weakly_canonical(csv, ec), fs::weakly_canonical(audio_dir, ec)})
      if (within(p, data) || within(data, p))
        throw InputError(out_csv, cat("is in, or holds, the data folder ", options.data_dir,
                                      "; export somewhere else"));
  }
  if (fs::is_directory(csv, ec)) throw InputError(out_csv, "is a folder");
  if (!options.overwrite && (fs::exists(csv, ec) || fs::exists(audio_dir, ec)))
    throw InputError(out_csv, cat("already exists (or its folder ", audio_dir.string(),
                                  " does); choose another name or pass --overwrite"));
  if (fs::exists(audio_dir, ec) && !made_by_export(audio_dir))
    throw InputError(audio_dir.string(),
                     "holds files an export did not make (only <id>.flac); remove them yourself "
                     "or choose another name");
  const std::vector<std::int64_t> ids = store.labelled_ids();
  if (ids.empty())
    throw InputError(out_csv, "nothing to export: no analysis in the history has a label yet");

  // The recordings go to a staging folder first: the previous export stays whole until the new
  // one is complete, and a failure leaves nothing behind.
  fs::remove_all(staging, ec);  // a killed export's leftover (a hidden name of its own)
  fs::create_directories(staging, ec);
  if (ec) throw InputError(staging.string(), "cannot create the folder (" + ec.message() + ")");
  struct Cleanup {
    const fs::path& dir;
    bool keep = false;
    ~Cleanup() {
      std::error_code ignored;
      if (!keep) fs::remove_all(dir, ignored);
    }
  } cleanup{staging};

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
      write_flac16((staging / name).string(), decoded.samples, decoded.sample_rate);
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
  if (fs::exists(audio_dir, ec)) fs::remove_all(audio_dir, ec);  // checked: an export's own
  fs::rename(staging, audio_dir, ec);
  if (ec)
    throw InputError(audio_dir.string(), "cannot move the recordings in (" + ec.message() + ")");
  cleanup.keep = true;
  write_text_file_atomic(out_csv, text);
  return report;
}

}  // namespace calmspace::serve
