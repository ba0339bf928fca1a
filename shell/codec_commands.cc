#include "shell/codec_commands.h"
#include "engine/sqlite_util.h"

#include <cctype>
#include <cstdlib>

namespace ddb::shell {

namespace {

// The text after the first `n` words of `line` (a dot-command), trimmed; a
// value wrapped in single quotes loses them.
std::string RestAfterWords(const std::string& line, int n) {
  size_t i = 0;
  for (int k = 0; k < n; ++k) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
  }
  std::string rest = line.substr(i);
  size_t b = rest.find_first_not_of(" \t\r\n");
  size_t e = rest.find_last_not_of(" \t\r\n;");
  rest = b == std::string::npos ? "" : rest.substr(b, e - b + 1);
  if (rest.size() >= 2 && rest.front() == '\'' && rest.back() == '\'') {
    rest = rest.substr(1, rest.size() - 2);
  }
  return rest;
}

// Checks the declaration `json` of `column` of `table` before it is made:
// the JSON (a known codec with valid parameters), the table (it must exist)
// and, when the column is a key attribute, whether a key may carry the codec.
Status CheckDeclaration(vtab::CodecSession* codecs, const DescribeTableFn& describe,
                        const std::string& table, const std::string& column,
                        const std::string& json) {
  std::shared_ptr<const codec::Column> parsed;
  Status s = codecs->catalog().ParseColumn(table, column, json, ".codec", &parsed);
  if (!s.ok()) return s;
  dynamodb::TableDescription desc;
  s = describe(table, &desc);
  if (!s.ok() && s.aws_code() == "ResourceNotFoundException") {
    return Status::InvalidArgument(".codec: no DynamoDB table " + table +
                                   " (names are the tables' DynamoDB names, case-sensitive: "
                                   ".tables lists them); nothing declared");
  }
  if (!s.ok()) {
    return s.WithContext(".codec: table " + table + " could not be checked; nothing declared");
  }
  const dynamodb::KeyAttribute* key = nullptr;
  if (desc.key.hash.name == column) key = &desc.key.hash;
  if (desc.key.range && desc.key.range->name == column) key = &*desc.key.range;
  if (key == nullptr) return Status::OK();
  s = codec::CheckKeyCodec(*parsed, key->type);
  if (!s.ok()) {
    return Status::InvalidArgument(".codec: table " + table + ", column " + column + ": " +
                                   s.message() + "; nothing declared");
  }
  return Status::OK();
}

}  // namespace

Status CodecCommand(sqlite3* db, vtab::CodecSession* codecs, const DescribeTableFn& describe,
                    const std::string& line, const std::vector<std::string>& w, std::FILE* out,
                    bool* handled) {
  *handled = true;
  const std::string& cmd = w[0];
  if (cmd == "codec") {
    if (w.size() == 1) {
      for (const auto& l : codecs->Describe(db, "")) std::fprintf(out, "%s\n", l.c_str());
      return Status::OK();
    }
    std::string json = RestAfterWords(line, 3);
    if (w.size() < 4 || json.empty()) {
      return Status::InvalidArgument("usage: .codec ?TABLE COLUMN JSON|off?");
    }
    Status s;
    if (json == "off") {
      if (!codecs->catalog().Remove(w[1], w[2])) {
        return Status::InvalidArgument(".codec: table " + w[1] + ", column " + w[2] +
                                       " has no codec declared (.codec lists them)");
      }
    } else {
      s = CheckDeclaration(codecs, describe, w[1], w[2], json);
      if (s.ok()) s = codecs->Declare(w[1], w[2], json);
      if (!s.ok()) return s;
    }
    // Tables already described keep their old columns until SQLite connects
    // them again: reload the schema so the next statement does.
    s = sql::Exec(db, "PRAGMA writable_schema=RESET");
    if (!s.ok()) return Status::IOError(".codec: " + s.message());
    return Status::OK();
  }
  if (cmd == "s3missing") {
    if (w.size() == 1) {
      std::fprintf(out, "%s\n", codecs->s3missing() == vtab::S3Missing::kNull ? "null" : "error");
      return Status::OK();
    }
    if (w.size() != 2 || (w[1] != "error" && w[1] != "null")) {
      return Status::InvalidArgument("usage: .s3missing ?error|null?");
    }
    codecs->set_s3missing(w[1] == "null" ? vtab::S3Missing::kNull : vtab::S3Missing::kError);
    return Status::OK();
  }
  if (cmd == "s3parallel") {
    if (w.size() == 1) {
      std::fprintf(out, "%zu\n", codecs->concurrency());
      return Status::OK();
    }
    char* end = nullptr;
    long n = w.size() == 2 ? std::strtol(w[1].c_str(), &end, 10) : 0;
    if (w.size() != 2 || w[1].empty() || *end != '\0' || n < 1 ||
        n > static_cast<long>(vtab::CodecSession::kMaxConcurrency)) {
      return Status::InvalidArgument("usage: .s3parallel N (S3 objects fetched at once, 1 to 256)");
    }
    codecs->set_concurrency(static_cast<size_t>(n));
    return Status::OK();
  }
  *handled = false;
  return Status::OK();
}

void PrintCodecSchema(vtab::CodecSession* codecs, const std::string& pattern, std::FILE* out) {
  for (const std::string& l : codecs->Describe(nullptr, pattern)) {
    std::string safe;  // "*/" would end the comment early
    for (size_t i = 0; i < l.size(); ++i) {
      safe += l[i];
      if (l[i] == '*' && i + 1 < l.size() && l[i + 1] == '/') safe += ' ';
    }
    std::fprintf(out, "/* .codec %s */\n", safe.c_str());
  }
}

}  // namespace ddb::shell
