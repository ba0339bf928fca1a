#include "vtab/codec_columns.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "engine/dynamodb/client.h"
#include "vtab/module.h"
#include "vtab/write_values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;

namespace {

// item_encryption is read from the session's catalog only (--catalog,
// DDBSQL_CATALOG): a table's own catalog= would otherwise be accepted and
// its encryption silently left out, reading ciphertexts and writing items
// unsigned.
Status CatalogArgumentEncryption(const std::string& table) {
  return Status::InvalidArgument("table " + table +
                                 ": item_encryption is read from the session's catalog "
                                 "(--catalog or DDBSQL_CATALOG), not from catalog=");
}

// Counts what a resolver did for one batch into the statement's Stats.
class CountingFetcher : public codec::BatchFetcher {
 public:
  CountingFetcher(codec::S3Resolver* resolver, Stats* stats,
                  const CursorCodecs::Source* source = nullptr)
      : resolver_(resolver), stats_(stats), source_(source) {}
  void Fetch(const std::vector<std::string>& uris,
             std::vector<codec::FetchResult>* results) override {
    // Objects of the open transaction's pending writes are served from
    // memory: they reach S3 only at COMMIT.
    std::vector<std::string> rest;
    std::vector<size_t> rest_at;
    results->assign(uris.size(), codec::FetchResult());
    for (size_t i = 0; i < uris.size(); ++i) {
      std::shared_ptr<const std::string> body;
      if (source_ && source_->pending_object) body = source_->pending_object(uris[i]);
      if (body) {
        (*results)[i].body = std::move(body);
      } else {
        rest.push_back(uris[i]);
        rest_at.push_back(i);
      }
    }
    if (rest.empty()) return;
    codec::S3Stats before = resolver_->stats();
    std::vector<codec::FetchResult> fetched;
    resolver_->Fetch(rest, &fetched);
    codec::S3Stats after = resolver_->stats();
    for (size_t k = 0; k < rest_at.size() && k < fetched.size(); ++k) {
      (*results)[rest_at[k]] = std::move(fetched[k]);
    }
    if (stats_) {
      stats_->s3_gets += after.gets - before.gets;
      stats_->s3_bytes += after.bytes - before.bytes;
      stats_->s3_cache_hits += after.cache_hits - before.cache_hits;
      // The resolver keeps its window full: a batch of N GETs has
      // min(N, window) in flight at its start.
      uint64_t in_flight = std::min<uint64_t>(after.gets - before.gets, resolver_->concurrency());
      uint64_t seen = stats_->s3_in_flight_max.load();
      while (in_flight > seen && !stats_->s3_in_flight_max.compare_exchange_weak(seen, in_flight)) {
      }
    }
  }

 private:
  codec::S3Resolver* resolver_;
  Stats* stats_;
  const CursorCodecs::Source* source_;
};

// Attribute `name` of row `row` of `page`.
Status PageAttribute(const dynamodb::ItemPage& page, size_t row, const std::string& name,
                     AttributeValue* value, bool* found) {
  if (page.item_texts.empty()) {
    const dynamodb::Item& item = page.items[row];
    auto it = item.find(name);
    *found = it != item.end();
    if (*found) *value = it->second;
    return Status::OK();
  }
  dynamodb::CheckedItemAttributes attributes;
  attributes.Reset(page.item_texts[row]);
  std::string_view wire;
  Status s = attributes.Find(name, &wire, found);
  if (s.ok() && *found) s = dynamodb::FromWireJsonText(wire, value);
  return s;
}

// A message that names `ctx`: codec errors do already; others get it in front.
Status WithContext(const Status& s, const codec::Context& ctx) {
  std::string where = ctx.Describe();
  if (s.ToString().find(where) != std::string::npos) return s;
  return s.WithContext(where);
}

// True for the steps whose output is the same whoever wrote it, so that an
// encoded literal finds every stored value equal to it: deterministic
// ciphers without a per-item context (AES-SIV binds table and column only)
// and base64. Compression is left out on purpose: writers differ in levels
// and gzip's timestamp.
bool CanonicalStep(const codec::Codec& step) {
  std::string_view n = step.name();
  return n == codec::SchemeName(codec::Scheme::kPynamoDbMateEcb) ||
         n == codec::SchemeName(codec::Scheme::kAes256Siv) || n == "base64";
}

}  // namespace

// ---------------------------------------------------------------------------
// CodecSession

CodecSession::CodecSession() : catalog_(std::make_unique<codec::Catalog>()) {}

Status CodecSession::LoadCatalog(const std::string& flag) {
  std::string path;
  bool explicit_choice = false;
  codec::FindCatalogPath(flag, &path, &explicit_choice);
  if (path.empty()) return Status::OK();
  std::error_code ec;
  if (!explicit_choice && !std::filesystem::exists(path, ec)) return Status::OK();
  Status s = catalog_->LoadFile(path);
  if (!s.ok()) return s;
  catalog_path_ = path;
  return Status::OK();
}

Status CodecSession::Declare(const std::string& table, const std::string& column,
                             const std::string& json) {
  return catalog_->Declare(table, column, json, ".codec");
}

std::vector<std::string> CodecSession::Describe(sqlite3*, const std::string& pattern) const {
  std::vector<std::string> lines;
  for (const auto& [name, decl] : catalog_->tables()) {
    bool glob = pattern.find_first_of("*?[") != std::string::npos;
    if (!pattern.empty() && (glob ? sqlite3_strglob(pattern.c_str(), name.c_str())
                                  : sqlite3_strlike(pattern.c_str(), name.c_str(), 0)) != 0) {
      continue;
    }
    for (const auto& [column, c] : decl.columns) {
      lines.push_back(name + " " + column + " " + c->declaration());
    }
  }
  return lines;
}

codec::S3Resolver* CodecSession::Resolver(const std::shared_ptr<Connection>& connection) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = resolvers_[connection.get()];
  if (!slot.second) {
    codec::S3Resolver::Options o;
    o.concurrency = concurrency_;
    o.cache_bytes = kCacheBytes;
    // The memory tests (tests/memory_test.py) bound a small cache.
    const char* test_bytes = std::getenv("DDBSQL_TEST_S3_CACHE_BYTES");
    long long n = test_bytes && *test_bytes ? std::strtoll(test_bytes, nullptr, 10) : 0;
    if (n > 0 && static_cast<size_t>(n) < o.cache_bytes) o.cache_bytes = static_cast<size_t>(n);
    slot.first = connection;
    slot.second = std::make_unique<codec::S3Resolver>(connection->s3(), o);
  }
  return slot.second.get();
}

CodecSession::KeyCheck CodecSession::key_check(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = key_checks_.find(id);
  return it == key_checks_.end() ? KeyCheck::kUnknown : it->second;
}

void CodecSession::set_key_check(const std::string& id, KeyCheck check) {
  std::lock_guard<std::mutex> lock(mu_);
  key_checks_[id] = check;
}

void CodecSession::set_concurrency(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  concurrency_ = n;
  for (auto& [conn, slot] : resolvers_) slot.second->set_concurrency(n);
}

// ---------------------------------------------------------------------------
// TableCodecs

Status TableCodecs::Collect(CodecSession* session, const std::string& table,
                            const std::string& argument,
                            std::map<std::string, std::shared_ptr<const codec::Column>>* out) {
  out->clear();
  if (const codec::TableDecl* d = session->catalog().Find(table)) {
    for (const auto& [name, c] : d->columns) (*out)[name] = c;
  }
  if (argument.empty()) return Status::OK();
  codec::Catalog local(session->keys());
  std::string origin = "catalog=";
  if (argument.front() != '{') {
    origin = argument;
    Status s = local.LoadFile(argument);
    if (!s.ok()) return s;
  } else {
    nlohmann::json doc = nlohmann::json::parse(argument, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return Status::InvalidArgument("table " + table + ": catalog= is not a JSON object");
    }
    if (doc.contains("item_encryption")) return CatalogArgumentEncryption(table);
    if (doc.contains("tables")) {
      Status s = local.Parse(argument, origin);
      if (!s.ok()) return s;
    } else {
      // An object of column declarations for this table alone.
      const nlohmann::json& columns = doc.contains("columns") ? doc["columns"] : doc;
      if (!columns.is_object()) {
        return Status::InvalidArgument("table " + table + ": catalog= columns must be an object");
      }
      for (const auto& [name, decl] : columns.items()) {
        Status s = local.Declare(table, name, decl.dump(), origin);
        if (!s.ok()) return s;
      }
    }
  }
  if (const codec::TableDecl* d = local.Find(table)) {
    if (d->item_encryption) return CatalogArgumentEncryption(table);
    for (const auto& [name, c] : d->columns) (*out)[name] = c;
  }
  return Status::OK();
}

bool TableCodecs::empty() const {
  return std::none_of(by_column_.begin(), by_column_.end(), [](const auto& c) { return !!c; });
}

bool TableCodecs::Pushable(int col, unsigned char op) const {
  const codec::Column* c = At(col);
  if (!c) return true;
  if (op != SQLITE_INDEX_CONSTRAINT_EQ) return false;
  if (c->s3() || (c->type() != codec::SqlType::kText && c->type() != codec::SqlType::kBlob)) {
    return false;
  }
  const auto& steps = c->chain().steps();
  return !steps.empty() && std::all_of(steps.begin(), steps.end(),
                                       [](const auto& step) { return CanonicalStep(*step); });
}

Status TableCodecs::EncodeLiteral(int col, sqlite3_value* v, AttributeValue* out,
                                  bool* matches) const {
  const codec::Column* c = At(col);
  *matches = false;
  if (!c) return Status::InvalidArgument("column " + std::to_string(col) + " has no codec");
  codec::PlainValue plain;
  int t = sqlite3_value_type(v);
  if (c->type() == codec::SqlType::kText) {
    // TEXT affinity turns numbers into their text; a BLOB never equals TEXT.
    if (t == SQLITE_NULL || t == SQLITE_BLOB) return Status::OK();
    const char* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
    plain = codec::PlainValue::Text(std::string(p, static_cast<size_t>(sqlite3_value_bytes(v))));
  } else {
    if (t != SQLITE_BLOB) return Status::OK();  // no affinity: only a BLOB equals a BLOB
    const char* p = static_cast<const char*>(sqlite3_value_blob(v));
    plain = codec::PlainValue::Blob(
        std::string(p ? p : "", static_cast<size_t>(sqlite3_value_bytes(v))));
  }
  codec::Context ctx;
  ctx.table = table_;
  ctx.attribute = c->name();
  Status s = c->EncodeForQuery(ctx, plain, out);
  if (!s.ok()) return WithContext(s, ctx);
  *matches = true;
  return Status::OK();
}

std::string TableCodecs::KeyCheckId(const std::string& scope, int col) const {
  const codec::Column* c = At(col);
  if (!c) return "";
  // NUL separates the parts: none of them can hold one.
  std::string id = scope;
  for (const std::string& part : {table_, c->name(), c->chain().KeyReferences()}) {
    id += '\0';
    id += part;
  }
  return id;
}

Status TableCodecs::CheckKey(int col, const std::vector<dynamodb::Item>& items,
                             const std::vector<std::string>& keys, size_t max_decoded_bytes,
                             size_t* checked) const {
  *checked = 0;
  const codec::Column* c = At(col);
  if (!c) return Status::InvalidArgument("column " + std::to_string(col) + " has no codec");
  for (const dynamodb::Item& item : items) {
    auto stored = item.find(c->name());
    if (stored == item.end()) continue;
    codec::Context ctx;
    ctx.table = table_;
    ctx.attribute = c->name();
    ctx.max_decoded_bytes = max_decoded_bytes;
    for (const auto& k : keys) {
      auto it = item.find(k);
      if (it != item.end()) ctx.key.push_back({k, it->second});
    }
    codec::PlainValue plain;
    Status s = c->Decode(ctx, stored->second, {}, &plain);
    // A key that cannot be read, or a value of another type, says so itself.
    if (!s.ok() && s.code() != Status::Code::kCorruption) return WithContext(s, ctx);
    if (!s.ok()) {
      std::string refs = c->chain().KeyReferences();
      dynamodb::Item key;
      for (const auto& k : ctx.key) key[k.name] = k.value;
      return Status::InvalidArgument(
          "table " + table_ + ", column " + c->name() + ": the key " +
          (refs.empty() ? std::string("of the column") : refs) +
          " does not decrypt the column's stored values (wrong key?), so no value can be looked "
          "up by it; item (" +
          DescribeKey(key) + "): " + s.message());
    }
    ++*checked;
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// CursorCodecs

Status CursorCodecs::Result(sqlite3_context* ctx, const Source& source, int col,
                            const dynamodb::ItemPage& page, size_t row) {
  const codec::Column* c = source.codecs->At(col);
  Window& w = windows_[col];
  if (row < w.first || row >= w.first + w.values.size()) {
    size_t rows = page.items.size() + page.item_texts.size();
    // An S3 column's window starts small (a LIMIT 1 costs a few GETs, not
    // a page's worth) and doubles up to kWindowRows.
    size_t n = c->s3() ? std::min(s3_window_, rows - row) : 1;
    if (c->s3()) s3_window_ = std::min(2 * s3_window_, CodecSession::kWindowRows);
    w.first = row;
    w.contexts.assign(n, codec::Context());
    w.values.clear();
    std::vector<AttributeValue> stored(n);
    std::vector<codec::DecodeRequest> requests(n);
    for (size_t k = 0; k < n; ++k) {
      codec::Context& cx = w.contexts[k];
      cx.table = source.codecs->table();
      cx.attribute = c->name();
      cx.max_decoded_bytes = source.session->max_decoded_bytes();
      for (const auto& key : source.keys) {
        codec::KeyAttribute ka;
        ka.name = key;
        bool found = false;
        Status s = PageAttribute(page, row + k, key, &ka.value, &found);
        if (!s.ok()) return s;
        if (found) cx.key.push_back(std::move(ka));
      }
      bool found = false;
      Status s = PageAttribute(page, row + k, c->name(), &stored[k], &found);
      if (!s.ok()) return WithContext(s, cx);
      requests[k].context = &cx;
      requests[k].stored = found ? &stored[k] : nullptr;
    }
    std::unique_ptr<CountingFetcher> fetcher;
    if (c->s3()) {
      fetcher = std::make_unique<CountingFetcher>(source.session->Resolver(source.connection),
                                                  source.stats, &source);
    }
    codec::DecodeBatch(*c, requests, fetcher.get(), &w.values);
  }
  size_t k = row - w.first;
  const codec::DecodeResult& r = w.values[k];
  if (!r.status.ok()) {
    if (r.status.IsNotFound() && c->s3() && source.session->s3missing() == S3Missing::kNull) {
      source.session->CountMissingAsNull();
      sqlite3_result_null(ctx);
      return Status::OK();
    }
    if (r.status.IsNotFound() && c->s3()) {
      return WithContext(r.status, w.contexts[k])
          .WithNote(".s3missing null reads missing S3 objects as NULL");
    }
    return WithContext(r.status, w.contexts[k]);
  }
  ResultPlain(ctx, r.value);
  return Status::OK();
}

void ResultPlain(sqlite3_context* ctx, const codec::PlainValue& v) {
  using T = codec::PlainValue::Type;
  switch (v.type) {
    case T::kNull:
      sqlite3_result_null(ctx);
      return;
    case T::kInteger: {
      errno = 0;
      char* end = nullptr;
      long long n = std::strtoll(v.data.c_str(), &end, 10);
      if (errno == 0 && end && *end == '\0' && !v.data.empty()) {
        sqlite3_result_int64(ctx, n);
      } else {
        // Beyond 64 bits: the digits as TEXT, as a DynamoDB number would read.
        sqlite3_result_text(ctx, v.data.data(), static_cast<int>(v.data.size()), SQLITE_TRANSIENT);
      }
      return;
    }
    case T::kReal:
      sqlite3_result_double(ctx, std::strtod(v.data.c_str(), nullptr));
      return;
    case T::kText:
      sqlite3_result_text64(ctx, v.data.data(), v.data.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      return;
    case T::kBlob:
      sqlite3_result_blob64(ctx, v.data.data(), v.data.size(), SQLITE_TRANSIENT);
      return;
  }
}

}  // namespace ddb::vtab
