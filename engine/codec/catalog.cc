#include "engine/codec/catalog.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ddb::codec {
namespace {

using Json = nlohmann::ordered_json;

// A pynamodb_mate attribute class: its SQL type and what it is made of.
struct ClassInfo {
  const char* name;
  enum class Kind { kEncrypted, kCompressed, kS3Backed, kLarge } kind;
  SqlType type;
};

constexpr ClassInfo kClasses[] = {
    {"EncryptedUnicodeAttribute", ClassInfo::Kind::kEncrypted, SqlType::kText},
    {"EncryptedBinaryAttribute", ClassInfo::Kind::kEncrypted, SqlType::kBlob},
    {"EncryptedNumberAttribute", ClassInfo::Kind::kEncrypted, SqlType::kNumeric},
    {"EncryptedJsonDictAttribute", ClassInfo::Kind::kEncrypted, SqlType::kJson},
    {"CompressedUnicodeAttribute", ClassInfo::Kind::kCompressed, SqlType::kText},
    {"CompressedBinaryAttribute", ClassInfo::Kind::kCompressed, SqlType::kBlob},
    {"CompressedJSONAttribute", ClassInfo::Kind::kCompressed, SqlType::kJson},
    {"CompressedJSONDictAttribute", ClassInfo::Kind::kCompressed, SqlType::kJson},
    {"S3BackedUnicodeAttribute", ClassInfo::Kind::kS3Backed, SqlType::kText},
    {"S3BackedBigTextAttribute", ClassInfo::Kind::kS3Backed, SqlType::kText},
    {"S3BackedBinaryAttribute", ClassInfo::Kind::kS3Backed, SqlType::kBlob},
    {"S3BackedBigBinaryAttribute", ClassInfo::Kind::kS3Backed, SqlType::kBlob},
    {"S3BackedJsonDictAttribute", ClassInfo::Kind::kS3Backed, SqlType::kJson},
    {"LargeAttribute", ClassInfo::Kind::kLarge, SqlType::kBlob},
};

std::string Quote(std::string_view s) {
  std::string out(1, '"');  // appended piece by piece: GCC 12's -Wrestrict (bug 105329)
  out.append(s);
  out.push_back('"');
  return out;
}

// Parses one column declaration; errors are bare (the caller adds where).
class ColumnParser {
 public:
  ColumnParser(std::string_view column, const std::shared_ptr<KeyStore>& keys)
      : column_(column), keys_(keys) {}

  Status Parse(const Json& decl, std::shared_ptr<const Column>* out) {
    if (!decl.is_object()) return Status::InvalidArgument("a declaration must be a JSON object");
    spec_.name = column_;
    Status s;
    if (decl.contains("codec") && decl.contains("chain")) {
      return Status::InvalidArgument("give either \"codec\" or \"chain\", not both");
    }
    if (decl.contains("codec")) {
      s = ParseClass(decl);
    } else if (decl.contains("chain")) {
      s = ParseChain(decl);
    } else {
      return Status::InvalidArgument("no \"codec\" (a pynamodb_mate class) or \"chain\"");
    }
    if (!s.ok()) return s;
    for (const auto& [k, v] : decl.items()) {
      if (!allowed_.count(k)) {
        std::string hint;
        if (k == "encryption_key") hint = " (use \"key\" with a reference such as env:NAME)";
        return Status::InvalidArgument("unknown parameter " + Quote(k) + hint);
      }
    }
    spec_.declaration = SafeDeclaration(decl);
    *out = std::make_shared<const Column>(std::move(spec_));
    return Status::OK();
  }

 private:
  // Parameter accessors: each marks the name as known.
  Status GetString(const Json& decl, const char* name, std::string* out, bool required) {
    allowed_.insert(name);
    auto it = decl.find(name);
    if (it == decl.end()) {
      return required ? Status::InvalidArgument("missing parameter " + Quote(name)) : Status::OK();
    }
    if (!it->is_string()) return Status::InvalidArgument(Quote(name) + " must be a string");
    *out = it->get<std::string>();
    return Status::OK();
  }
  Status GetBool(const Json& decl, const char* name, bool* out) {
    allowed_.insert(name);
    auto it = decl.find(name);
    if (it == decl.end()) return Status::OK();
    if (!it->is_boolean()) return Status::InvalidArgument(Quote(name) + " must be true or false");
    *out = it->get<bool>();
    return Status::OK();
  }
  Status GetKey(const Json& decl, KeyRef* ref) {
    std::string text;
    Status s = GetString(decl, "key", &text, true);
    if (!s.ok()) return s;
    return KeyRef::Parse(text, ref);
  }
  Status GetType(const Json& decl, SqlType def) {
    spec_.type = def;
    std::string as;
    Status s = GetString(decl, "as", &as, false);
    if (!s.ok() || as.empty()) return s;
    return ParseSqlType(as, &spec_.type);
  }
  Status GetBucket(const Json& decl, std::string* bucket) {
    allowed_.insert("bucket_name");  // pynamodb_mate's own parameter name
    if (decl.contains("bucket_name") && !decl.contains("bucket")) {
      allowed_.insert("bucket");
      if (!decl["bucket_name"].is_string()) {
        return Status::InvalidArgument("\"bucket_name\" must be a string");
      }
      *bucket = decl["bucket_name"].get<std::string>();
      return Status::OK();
    }
    return GetString(decl, "bucket", bucket, true);
  }

  Status ParseClass(const Json& decl) {
    allowed_.insert("codec");
    if (!decl["codec"].is_string()) return Status::InvalidArgument("\"codec\" must be a string");
    std::string name = decl["codec"].get<std::string>();
    spec_.codec = name;
    std::string_view bare = name;
    if (bare.rfind("pynamodb_mate.", 0) == 0) bare.remove_prefix(14);
    const ClassInfo* info = nullptr;
    for (const ClassInfo& c : kClasses) {
      if (bare == c.name) info = &c;
    }
    if (info == nullptr) {
      std::string known;
      for (const ClassInfo& c : kClasses) known += std::string(known.empty() ? "" : ", ") + c.name;
      return Status::InvalidArgument("unknown codec " + Quote(name) + " (known: " + known +
                                     "; or use \"chain\")");
    }
    spec_.type = info->type;
    std::vector<std::shared_ptr<const Codec>> steps;
    Status s;
    switch (info->kind) {
      case ClassInfo::Kind::kEncrypted: {
        bool determinative = true;
        KeyRef ref;
        s = GetBool(decl, "determinative", &determinative);
        if (s.ok()) s = GetBool(decl, "legacy_encoding", &spec_.legacy_encoding);
        if (s.ok()) s = GetKey(decl, &ref);
        if (!s.ok()) return s;
        steps.push_back(NewCipherCodec(
            determinative ? Scheme::kPynamoDbMateEcb : Scheme::kPynamoDbMateCtr, ref, keys_));
        break;
      }
      case ClassInfo::Kind::kCompressed:
        s = GetBool(decl, "legacy_encoding", &spec_.legacy_encoding);
        if (!s.ok()) return s;
        steps.push_back(NewGzipCodec(9));
        break;
      case ClassInfo::Kind::kS3Backed: {
        S3Location loc;
        loc.layout = S3Location::Layout::kKeyTemplate;
        loc.fingerprint_of_plain = true;
        bool compressed = true;
        s = GetBucket(decl, &loc.bucket);
        if (s.ok()) s = GetString(decl, "key_template", &loc.key_template, false);
        if (s.ok()) s = GetBool(decl, "compressed", &compressed);
        if (!s.ok()) return s;
        if (loc.key_template.find("{fingerprint}") == std::string::npos) {
          return Status::InvalidArgument("\"key_template\" must contain {fingerprint}");
        }
        spec_.s3 = std::move(loc);
        if (compressed) steps.push_back(NewGzipCodec(9));
        break;
      }
      case ClassInfo::Kind::kLarge: {
        S3Location loc;
        loc.layout = S3Location::Layout::kLargeAttribute;
        s = GetBucket(decl, &loc.bucket);
        if (s.ok()) s = GetString(decl, "prefix", &loc.prefix, false);
        if (s.ok()) s = GetType(decl, SqlType::kBlob);
        if (!s.ok()) return s;
        spec_.s3 = std::move(loc);
        break;
      }
    }
    spec_.chain = Chain(std::move(steps));
    return Status::OK();
  }

  // One step of a chain: "gzip" | "zlib" | "zstd" | "base64", or
  // {"compress": NAME, "level": N}, {"aead": NAME, "key": REF},
  // {"cipher": NAME, "key": REF}.
  Status ParseStep(const Json& step, size_t index, std::shared_ptr<const Codec>* out) {
    std::string where = "chain step " + std::to_string(index + 1) + ": ";
    std::string name;
    int level = -1;
    if (step.is_string()) {
      name = step.get<std::string>();
    } else if (step.is_object() && step.contains("compress")) {
      for (const auto& [k, v] : step.items()) {
        if (k != "compress" && k != "level") {
          return Status::InvalidArgument(where + "unknown parameter " + Quote(k));
        }
      }
      if (!step["compress"].is_string()) {
        return Status::InvalidArgument(where + "\"compress\" must be a string");
      }
      name = step["compress"].get<std::string>();
      if (step.contains("level")) {
        if (!step["level"].is_number_integer()) {
          return Status::InvalidArgument(where + "\"level\" must be an integer");
        }
        level = step["level"].get<int>();
        int lo = name == "zstd" ? -7 : 0, hi = name == "zstd" ? 22 : 9;
        if (level < lo || level > hi) {
          return Status::InvalidArgument(where + name + " level must be " + std::to_string(lo) +
                                         ".." + std::to_string(hi));
        }
      }
      if (name != "gzip" && name != "zlib" && name != "zstd") {
        return Status::InvalidArgument(where + "unknown compression " + Quote(name) +
                                       " (known: gzip, zlib, zstd)");
      }
    } else if (step.is_object() && (step.contains("aead") || step.contains("cipher"))) {
      const char* field = step.contains("aead") ? "aead" : "cipher";
      for (const auto& [k, v] : step.items()) {
        if (k != field && k != "key") {
          return Status::InvalidArgument(where + "unknown parameter " + Quote(k));
        }
      }
      if (!step[field].is_string()) {
        return Status::InvalidArgument(where + Quote(field) + " must be a string");
      }
      Scheme scheme;
      Status s = ParseScheme(step[field].get<std::string>(), &scheme);
      if (!s.ok()) return Status::InvalidArgument(where + s.message());
      if (std::string_view(field) == "aead" && scheme != Scheme::kAes256Gcm &&
          scheme != Scheme::kAes256Siv) {
        return Status::InvalidArgument(where + std::string(SchemeName(scheme)) +
                                       " is not an AEAD: write {\"cipher\": ...}");
      }
      if (!step.contains("key") || !step["key"].is_string()) {
        return Status::InvalidArgument(where +
                                       "missing \"key\" (env:NAME, file:PATH or cmd:COMMAND)");
      }
      KeyRef ref;
      s = KeyRef::Parse(step["key"].get<std::string>(), &ref);
      if (!s.ok()) return Status::InvalidArgument(where + s.message());
      *out = NewCipherCodec(scheme, ref, keys_);
      return Status::OK();
    } else {
      return Status::InvalidArgument(where +
                                     "expected a name or an object with \"compress\", "
                                     "\"aead\" or \"cipher\"");
    }
    if (name == "gzip") {
      *out = NewGzipCodec(level < 0 ? 9 : level);
    } else if (name == "zlib") {
      *out = NewZlibCodec(level < 0 ? 6 : level);
    } else if (name == "zstd") {
      *out = NewZstdCodec(level < 0 ? 3 : level);
    } else if (name == "base64") {
      *out = NewBase64Codec();
    } else if (name == "s3") {
      return Status::InvalidArgument(where + "\"s3\" may only be the first step");
    } else {
      return Status::InvalidArgument(where + "unknown step " + Quote(name) +
                                     " (known: s3, gzip, zlib, zstd, base64, {\"aead\": ...}, "
                                     "{\"cipher\": ...}, {\"compress\": ...})");
    }
    return Status::OK();
  }

  Status ParseChain(const Json& decl) {
    allowed_.insert("chain");
    spec_.codec = "chain";
    const Json& chain = decl["chain"];
    if (!chain.is_array()) return Status::InvalidArgument("\"chain\" must be an array");
    std::vector<std::shared_ptr<const Codec>> steps;
    size_t first = 0;
    if (!chain.empty() && chain[0].is_string() && chain[0].get<std::string>() == "s3") {
      first = 1;
      S3Location loc;
      Status s = GetBucket(decl, &loc.bucket);
      if (s.ok()) s = GetString(decl, "prefix", &loc.prefix, false);
      std::string tmpl;
      if (s.ok()) s = GetString(decl, "key_template", &tmpl, false);
      if (!s.ok()) return s;
      if (!tmpl.empty()) {
        if (decl.contains("prefix")) {
          return Status::InvalidArgument("give \"prefix\" or \"key_template\", not both");
        }
        if (tmpl.find("{fingerprint}") == std::string::npos) {
          return Status::InvalidArgument("\"key_template\" must contain {fingerprint}");
        }
        loc.layout = S3Location::Layout::kKeyTemplate;
        loc.key_template = tmpl;
      }
      spec_.s3 = std::move(loc);
    }
    for (size_t i = first; i < chain.size(); ++i) {
      std::shared_ptr<const Codec> step;
      Status s = ParseStep(chain[i], i, &step);
      if (!s.ok()) return s;
      steps.push_back(std::move(step));
    }
    spec_.chain = Chain(std::move(steps));
    return GetType(decl, SqlType::kBlob);
  }

  // The declaration with every "key" shown as KeyRef::ToString().
  static std::string SafeDeclaration(const Json& decl) {
    Json copy = decl;
    auto redact = [](Json& obj) {
      if (obj.is_object() && obj.contains("key") && obj["key"].is_string()) {
        KeyRef ref;
        obj["key"] =
            KeyRef::Parse(obj["key"].get<std::string>(), &ref).ok() ? ref.ToString() : "(hidden)";
      }
    };
    redact(copy);
    if (copy.contains("chain") && copy["chain"].is_array()) {
      for (Json& step : copy["chain"]) redact(step);
    }
    return copy.dump();
  }

  std::string column_;
  const std::shared_ptr<KeyStore>& keys_;
  Column::Spec spec_;
  std::set<std::string> allowed_;
};

std::string Where(std::string_view origin, std::string_view table, std::string_view column) {
  std::string out(origin);
  if (!table.empty()) out += ": table " + std::string(table);
  if (!column.empty()) out += ", column " + std::string(column);
  return out;
}

// "line L, column C" of a byte offset.
std::string LineColumn(std::string_view text, size_t offset) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

Status ParseJson(std::string_view text, std::string_view origin, Json* out) {
  try {
    *out = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    size_t at = e.byte > 0 ? e.byte - 1 : 0;
    std::string what = e.what();
    auto pos = what.find("syntax error");
    return Status::InvalidArgument(std::string(origin) + ":" + LineColumn(text, at) +
                                   ": invalid JSON" +
                                   (pos == std::string::npos ? "" : " (" + what.substr(pos) + ")"));
  } catch (const Json::exception& e) {
    // out_of_range: a number beyond a double's range ("1e999"), found by
    // fuzz/catalog_fuzz.cc (it used to end the process).
    return Status::InvalidArgument(std::string(origin) + ": invalid JSON (" + e.what() + ")");
  }
  return Status::OK();
}

}  // namespace

Catalog::Catalog(std::shared_ptr<KeyStore> keys) : keys_(std::move(keys)) {}

Status Catalog::ParseColumn(std::string_view table, std::string_view column,
                            std::string_view json_text, std::string_view origin,
                            std::shared_ptr<const Column>* out) const {
  Json decl;
  Status s = ParseJson(json_text, Where(origin, table, column), &decl);
  if (!s.ok()) return s;
  ColumnParser parser(column, keys_);
  s = parser.Parse(decl, out);
  if (!s.ok()) return Status::InvalidArgument(Where(origin, table, column) + ": " + s.message());
  return Status::OK();
}

Status Catalog::Declare(std::string_view table, std::string_view column, std::string_view json_text,
                        std::string_view origin) {
  std::shared_ptr<const Column> col;
  Status s = ParseColumn(table, column, json_text, origin, &col);
  if (!s.ok()) return s;
  TableDecl& t = tables_[std::string(table)];
  t.name = std::string(table);
  t.columns[std::string(column)] = std::move(col);
  origins_[std::string(table)] = std::string(origin);
  return Status::OK();
}

Status Catalog::Parse(std::string_view json_text, std::string_view origin) {
  Json doc;
  Status s = ParseJson(json_text, origin, &doc);
  if (!s.ok()) return s;
  auto fail = [&](std::string_view table, std::string_view column, const std::string& msg) {
    return Status::InvalidArgument(Where(origin, table, column) + ": " + msg);
  };
  if (!doc.is_object()) return fail("", "", "a catalog must be a JSON object");
  for (const auto& [k, v] : doc.items()) {
    if (k != "tables" && k != "version") {
      return fail("", "", "unknown field " + Quote(k) + " (expected \"tables\")");
    }
  }
  if (!doc.contains("tables") || !doc["tables"].is_object()) {
    return fail("", "", "\"tables\" must be an object of table names");
  }
  // Parse everything first so that an error leaves the catalog unchanged.
  std::map<std::string, TableDecl, std::less<>> parsed;
  for (const auto& [table, tdecl] : doc["tables"].items()) {
    if (!tdecl.is_object()) return fail(table, "", "must be an object with \"columns\"");
    for (const auto& [k, v] : tdecl.items()) {
      if (k != "columns" && k != "item_encryption") {
        return fail(table, "", "unknown field " + Quote(k));
      }
    }
    const bool encrypted = tdecl.contains("item_encryption");
    if (encrypted ? tdecl.contains("columns") && !tdecl["columns"].is_object()
                  : !tdecl.contains("columns") || !tdecl["columns"].is_object()) {
      return fail(table, "", "\"columns\" must be an object of column declarations");
    }
    TableDecl& t = parsed[table];
    t.name = table;
    if (encrypted) {
      // ParseItemEncryption reads nlohmann::json; the catalog keeps its order.
      auto decl = std::make_shared<item_encryption::ItemEncryptionDecl>();
      s = item_encryption::ParseItemEncryption(
          nlohmann::json::parse(tdecl["item_encryption"].dump()), origin, table, decl.get());
      if (!s.ok()) return s;
      t.item_encryption = std::move(decl);
    }
    if (!tdecl.contains("columns")) continue;
    for (const auto& [column, cdecl] : tdecl["columns"].items()) {
      ColumnParser parser(column, keys_);
      std::shared_ptr<const Column> col;
      s = parser.Parse(cdecl, &col);
      if (!s.ok()) return fail(table, column, s.message());
      t.columns[column] = std::move(col);
    }
  }
  for (auto& [name, t] : parsed) {
    origins_[name] = std::string(origin);
    tables_[name] = std::move(t);
  }
  return Status::OK();
}

Status Catalog::LoadFile(const std::string& path) {
  // The system's reason, as cat(1) gives it: "No such file or directory",
  // "Permission denied", "Is a directory" (which std::ifstream opens and
  // then reads as an empty document).
  auto fail = [&](const char* what, int err) {
    std::string message = path + ": cannot " + what + " the catalog file: " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(message) : Status::IOError(message);
  };
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("open", errno != 0 ? errno : ENOENT);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return fail("read", EISDIR);
  std::ostringstream text;
  errno = 0;
  text << in.rdbuf();
  if (in.bad()) return fail("read", errno != 0 ? errno : EIO);
  return Parse(text.str(), path);
}

bool Catalog::Remove(std::string_view table, std::string_view column) {
  auto t = tables_.find(table);
  if (t == tables_.end()) return false;
  auto c = t->second.columns.find(column);
  if (c == t->second.columns.end()) return false;
  t->second.columns.erase(c);
  if (t->second.columns.empty() && t->second.item_encryption == nullptr) {
    origins_.erase(t->first);
    tables_.erase(t);
  }
  return true;
}

const TableDecl* Catalog::Find(std::string_view table) const {
  auto it = tables_.find(table);
  return it == tables_.end() ? nullptr : &it->second;
}

Status Catalog::CheckKeyColumns(std::string_view table,
                                const std::vector<std::string>& key_names) const {
  const TableDecl* t = Find(table);
  if (t == nullptr) return Status::OK();
  auto origin = origins_.find(table);
  std::string where = origin == origins_.end() ? std::string("catalog") : origin->second;
  for (const std::string& key : key_names) {
    auto it = t->columns.find(key);
    if (it == t->columns.end()) continue;
    if (!it->second->deterministic()) {
      return Status::InvalidArgument(
          Where(where, table, key) + ": is a key of the table but its codec (" +
          it->second->codec() +
          (it->second->s3() ? ") stores it in S3" : ") is not deterministic") +
          ": key values must encode the same way every time");
    }
  }
  return Status::OK();
}

Status CheckKeyCodec(const Column& column, std::string_view key_type) {
  if (!column.deterministic()) {
    std::string why = column.s3() ? "in S3, DynamoDB would see only the object's URI"
                                  : "its stored bytes differ from one write to the next or "
                                    "between writers (compression, a cipher with a random nonce)";
    return Status::InvalidArgument(
        "a key attribute needs a deterministic codec without S3, not " + column.codec() +
        ": DynamoDB finds an item by the stored bytes of its key, and " + why);
  }
  if (key_type != "B") {
    return Status::InvalidArgument(
        "the key attribute is of DynamoDB type " + std::string(key_type) + ", but its codec (" +
        column.codec() +
        ") stores binary (B) values; a key column can only have a codec when its type is B");
  }
  return Status::OK();
}

void FindCatalogPath(const std::string& flag, std::string* path, bool* explicit_choice) {
  *explicit_choice = true;
  if (!flag.empty()) {
    *path = flag;
    return;
  }
  const char* env = std::getenv("DDBSQL_CATALOG");
  if (env != nullptr && *env != '\0') {
    *path = env;
    return;
  }
  *explicit_choice = false;
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && *xdg != '\0') {
    *path = std::string(xdg) + "/ddbsql/catalog.json";
    return;
  }
  const char* home = std::getenv("HOME");
  *path = home != nullptr && *home != '\0' ? std::string(home) + "/.config/ddbsql/catalog.json"
                                           : std::string();
}

}  // namespace ddb::codec
