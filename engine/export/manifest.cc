// Parsing of an export's manifests (manifest.h).
#include "engine/export/manifest.h"

#include <nlohmann/json.hpp>

#include <string>

#include "engine/encoding.h"
#include "engine/strings.h"

namespace ddb::table_export {

namespace {

using nlohmann::json;

constexpr std::string_view kSummaryName = "manifest-summary.json";

// The string member `name` of `j`, or "" when absent or null; false when it
// holds something else.
bool OptionalString(const json& j, const char* name, std::string* out) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    out->clear();
    return true;
  }
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

// The md5Checksum of a data file: base64 (as exports write it) or 32 hex
// digits; 16 raw bytes.
bool DecodeMd5(const std::string& text, std::string* out) {
  if (text.size() == 32) {
    out->clear();
    for (size_t i = 0; i < 32; i += 2) {
      int v = 0;
      for (size_t k = i; k < i + 2; ++k) {
        char c = str::AsciiLower(text[k]);
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return false;
        v = v * 16 + d;
      }
      out->push_back(static_cast<char>(v));
    }
    return true;
  }
  return Base64Decode(text, out).ok() && out->size() == 16;
}

}  // namespace

std::string ExportLocation::Uri() const {
  std::string f = folder;
  if (!f.empty() && f.back() == '/') f.pop_back();
  return "s3://" + bucket + "/" + f;
}

Status ParseExportUri(std::string_view uri, ExportLocation* out) {
  std::string_view u = str::Trim(uri);
  if (u.substr(0, 5) != "s3://") {
    return Status::InvalidArgument(
        "export '" + std::string(uri) +
        "': not an s3:// URI (s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID)");
  }
  u.remove_prefix(5);
  size_t slash = u.find('/');
  std::string bucket(u.substr(0, slash));
  std::string folder(slash == std::string_view::npos ? "" : u.substr(slash + 1));
  if (folder.size() >= kSummaryName.size() &&
      folder.compare(folder.size() - kSummaryName.size(), kSummaryName.size(), kSummaryName) == 0) {
    folder.resize(folder.size() - kSummaryName.size());
  }
  while (!folder.empty() && folder.back() == '/') folder.pop_back();
  if (bucket.empty() || folder.empty()) {
    return Status::InvalidArgument(
        "export '" + std::string(uri) +
        "': no export folder (s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID)");
  }
  out->bucket = bucket;
  out->folder = folder + "/";
  return Status::OK();
}

std::string Summary::TableName() const {
  size_t at = table_arn.rfind(":table/");
  if (at == std::string::npos) return "";
  std::string name = table_arn.substr(at + 7);
  size_t slash = name.find('/');
  return slash == std::string::npos ? name : name.substr(0, slash);
}

Status ParseSummary(std::string_view text, const std::string& where, Summary* out) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption(where + ": not a JSON object (is this an export's manifest?)");
  }
  Summary s;
  std::string format;
  std::string type;
  for (auto [name, field] :
       {std::pair{"version", &s.version}, std::pair{"exportArn", &s.export_arn},
        std::pair{"tableArn", &s.table_arn}, std::pair{"exportTime", &s.export_time},
        std::pair{"manifestFilesS3Key", &s.manifest_files_key}, std::pair{"outputFormat", &format},
        std::pair{"exportType", &type}, std::pair{"exportFromTime", &s.export_from_time},
        std::pair{"exportToTime", &s.export_to_time}}) {
    if (!OptionalString(j, name, field)) {
      return Status::Corruption(where + ": " + name + " is not a string");
    }
  }
  if (s.version != "2020-06-30") {
    return Status::NotSupported(where + ": version '" + s.version +
                                "' (ddbsql reads exports of version 2020-06-30)");
  }
  if (format.empty() || format == "DYNAMODB_JSON") {
    s.format = OutputFormat::kDynamoDbJson;
  } else if (format == "ION") {
    s.format = OutputFormat::kIon;
  } else {
    return Status::NotSupported(where + ": outputFormat '" + format +
                                "' (DYNAMODB_JSON or ION expected)");
  }
  if (type.empty() || type == "FULL_EXPORT") {
    s.type = ExportType::kFull;
  } else if (type == "INCREMENTAL_EXPORT") {
    s.type = ExportType::kIncremental;
  } else {
    return Status::NotSupported(where + ": exportType '" + type +
                                "' (FULL_EXPORT or INCREMENTAL_EXPORT expected)");
  }
  if (s.manifest_files_key.empty()) return Status::Corruption(where + ": no manifestFilesS3Key");
  if (auto it = j.find("itemCount"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      return Status::Corruption(where + ": itemCount is not a whole number");
    }
    s.item_count = it->get<int64_t>();
  }
  *out = std::move(s);
  return Status::OK();
}

Status ParseManifestFiles(std::string_view text, const std::string& where,
                          std::vector<DataFile>* out) {
  out->clear();
  size_t line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = str::Trim(text.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (line.empty()) continue;
    std::string at = where + " line " + std::to_string(line_no) + ": ";
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return Status::Corruption(at + "not a JSON object");
    DataFile f;
    std::string key;
    std::string md5;
    if (!OptionalString(j, "dataFileS3Key", &key) || key.empty()) {
      return Status::Corruption(at + "no dataFileS3Key");
    }
    if (!OptionalString(j, "md5Checksum", &md5) || !DecodeMd5(md5, &f.md5)) {
      return Status::Corruption(at + "no md5Checksum (base64 of 16 bytes)");
    }
    if (!OptionalString(j, "etag", &f.etag)) return Status::Corruption(at + "etag is not a string");
    auto count = j.find("itemCount");
    if (count == j.end() || !count->is_number_integer() || count->get<int64_t>() < 0) {
      return Status::Corruption(at + "no itemCount (a whole number)");
    }
    f.item_count = count->get<int64_t>();
    size_t data = key.rfind("data/");
    if (data == std::string::npos || (data > 0 && key[data - 1] != '/') || data + 5 == key.size()) {
      return Status::Corruption(at + "dataFileS3Key '" + key + "' is not in a data/ folder");
    }
    f.name = key.substr(data);
    out->push_back(std::move(f));
  }
  return Status::OK();
}

std::vector<std::string> ChecksumNames(const std::string& manifest) {
  std::string stem = manifest;
  if (size_t dot = stem.rfind('.'); dot != std::string::npos) stem.resize(dot);
  return {stem + ".md5", stem + ".checksum"};
}

Status CheckManifestChecksum(std::string_view body, std::string_view checksum,
                             const std::string& manifest_uri, const std::string& checksum_uri,
                             bool must_be_md5) {
  std::string want;
  if (!DecodeMd5(std::string(str::Trim(checksum)), &want)) {
    std::string what = checksum_uri + ": not an MD5 (base64 of 16 bytes or 32 hex digits)";
    return must_be_md5 ? Status::Corruption(what) : Status::NotSupported(what);
  }
  if (Md5(body) != want) {
    return Status::Corruption(manifest_uri + ": MD5 does not match " + checksum_uri +
                              " (the manifest was changed or cut short)");
  }
  return Status::OK();
}

}  // namespace ddb::table_export
