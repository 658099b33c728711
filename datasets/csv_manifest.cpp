// CSV manifest: bring your own corpus. A header row names the columns path, label, speaker and
// optionally split (any order, case-insensitive); fields may be quoted per RFC 4180 ("a,b",
// "say ""hi"""), CRLF line ends and a UTF-8 byte-order mark are accepted. Relative paths are
// relative to the manifest's folder. Labels get ids in order of first appearance.
// A bad row (wrong number of fields, an empty path/label/speaker, a duplicate path, a missing
// file) is skipped and reported as "<manifest>:<line>"; it is never guessed.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "datasets/adapter_util.h"
#include "datasets/adapters.h"

namespace calmspace {
namespace {

struct CsvRecord {
  int line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
  std::string error;  // non-empty: the record is malformed
};

// Splits the whole text into records; a quoted field may span lines.
std::vector<CsvRecord> parse_csv(const std::string& text) {
  std::vector<CsvRecord> records;
  std::size_t i = 0;
  int line = 1;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) i = 3;  // UTF-8 BOM
  while (i < text.size()) {
    CsvRecord rec;
    rec.line = line;
    std::string field;
    bool quoted = false, was_quoted = false, end = false;
    while (i < text.size() && !end) {
      const char c = text[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            ++i;
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n') ++line;
          field += c;
        }
        ++i;
        continue;
      }
      if (c == '"') {
        if (!field.empty() || was_quoted) {
          if (rec.error.empty()) rec.error = "a quote inside an unquoted field";
        } else {
          quoted = was_quoted = true;
        }
      } else if (c == ',') {
        rec.fields.push_back(std::move(field));
        field.clear();
        was_quoted = false;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        ++line;
        end = true;
      } else if (was_quoted) {
        if (rec.error.empty()) rec.error = "text after a closing quote";
      } else {
        field += c;
      }
      ++i;
    }
    if (quoted) rec.error = "unterminated quote";
    rec.fields.push_back(std::move(field));
    // Blank lines are not records.
    if (rec.fields.size() == 1 && rec.fields[0].empty() && !was_quoted && rec.error.empty())
      continue;
    records.push_back(std::move(rec));
  }
  return records;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::vector<std::string> split_csv_line(const std::string& line) {
  auto records = parse_csv(line);
  if (records.empty()) return {""};
  if (!records[0].error.empty()) throw InputError(line, records[0].error);
  return records[0].fields;
}

CorpusListing list_csv_manifest(const std::string& manifest_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(manifest_path, ec))
    throw InputError(manifest_path, "is a folder; give the CSV manifest file itself");
  std::ifstream in(manifest_path, std::ios::binary);
  if (!in) throw InputError(manifest_path, "cannot open the CSV manifest");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const auto records = parse_csv(buffer.str());
  if (records.empty()) throw InputError(manifest_path, "empty manifest (no header row)");

  // Header.
  const auto& header = records[0];
  if (!header.error.empty()) throw InputError(manifest_path, "header row: " + header.error);
  std::map<std::string, int> column;
  for (int c = 0; c < static_cast<int>(header.fields.size()); ++c) {
    const std::string name = adapters::lower(trim(header.fields[c]));
    if (name != "path" && name != "label" && name != "speaker" && name != "split")
      throw InputError(manifest_path, "header row: unknown column '" + header.fields[c] +
                                          "' (expected path,label,speaker[,split])");
    if (!column.emplace(name, c).second)
      throw InputError(manifest_path, "header row: column '" + name + "' appears twice");
  }
  for (const char* required : {"path", "label", "speaker"})
    if (!column.count(required))
      throw InputError(manifest_path, std::string("header row: no '") + required +
                                          "' column (expected path,label,speaker[,split])");

  CorpusListing listing;
  listing.corpus = "csv";
  const fs::path base = fs::path(manifest_path).parent_path();
  listing.root = base.empty() ? std::string(".") : base.string();
  listing.has_split = column.count("split") > 0;
  std::set<std::string> paths;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    const std::string where = manifest_path + ":" + std::to_string(rec.line);
    auto skip = [&](const std::string& reason) { listing.skipped.push_back({where, reason}); };
    if (!rec.error.empty()) {
      skip(rec.error);
      continue;
    }
    if (rec.fields.size() != header.fields.size()) {
      skip("expected " + std::to_string(header.fields.size()) + " fields, found " +
           std::to_string(rec.fields.size()));
      continue;
    }
    const std::string rel = trim(rec.fields[column["path"]]);
    const std::string label = trim(rec.fields[column["label"]]);
    const std::string speaker = trim(rec.fields[column["speaker"]]);
    const std::string split = listing.has_split ? trim(rec.fields[column["split"]]) : "";
    if (rel.empty() || label.empty() || speaker.empty()) {
      skip("empty path, label or speaker");
      continue;
    }
    const fs::path full =
        (fs::path(rel).is_absolute() ? fs::path(rel) : base / rel).lexically_normal();
    if (!paths.insert(full.string()).second) {
      skip("duplicate path " + rel);
      continue;
    }
    if (!fs::is_regular_file(full, ec)) {
      skip("no such file " + full.string());
      continue;
    }
    if (std::find(listing.label_names.begin(), listing.label_names.end(), label) ==
        listing.label_names.end())
      listing.label_names.push_back(label);
    ClipRecord clip;
    clip.path = full.string();
    clip.label = label;
    clip.speaker = speaker;
    clip.utterance_id = fs::path(rel).replace_extension().generic_string();
    clip.split = split;
    listing.clips.push_back(std::move(clip));
  }
  adapters::finish_listing(listing);
  return listing;
}

CALMSPACE_CORPUS_ADAPTER(csv, "csv", 90,
                         "any corpus from a CSV manifest path,label,speaker[,split]",
                         list_csv_manifest);

}  // namespace calmspace
