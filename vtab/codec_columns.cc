#include "vtab/codec_columns.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
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

// What the GETs of a cursor's read-ahead share with it: their callbacks may
// run after the cursor has gone.
struct CursorCodecs::Shared {
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;  // false once the cursor is gone: nothing is counted after
  Stats* stats = nullptr;
  size_t in_flight = 0;  // GETs started and not answered
  size_t held = 0;       // bytes of bodies and values answered and not yet read
};

// One row's value of an S3 column, from the start of its GET until SQLite
// has read it.
struct CursorCodecs::Value {
  std::shared_ptr<const codec::Column> column;
  codec::Context context;
  AttributeValue stored;
  std::string uri;
  // An earlier row of the window with the same object: its GET serves both.
  std::shared_ptr<Value> same_as;
  // Set under Shared::mu when the GET ends (at once for a NULL, a bad
  // stored value, a cache hit or a pending write's object).
  bool done = false;
  bool decoded = false;  // result holds the value, else the GET's status
  std::shared_ptr<const std::string> body;
  codec::DecodeResult result;
  size_t held = 0;  // what this value adds to Shared::held
};

CursorCodecs::~CursorCodecs() { Reset(); }

void CursorCodecs::Reset() {
  readers_.clear();
  plain_.clear();
  if (shared_) {
    // GETs in flight keep `shared_` alive and end on their own; they no
    // longer count in this cursor's statement.
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->open = false;
  }
  shared_.reset();
}

Status CursorCodecs::Start(const Source& source, const std::shared_ptr<const codec::Column>& column,
                           const dynamodb::ItemPage& page, uint64_t page_number, size_t row,
                           Reader* r) {
  auto v = std::make_shared<Value>();
  v->column = column;
  codec::Context& cx = v->context;
  cx.table = source.codecs->table();
  cx.attribute = column->name();
  cx.max_decoded_bytes = source.session->max_decoded_bytes();
  for (const auto& key : source.keys) {
    codec::KeyAttribute ka;
    ka.name = key;
    bool found = false;
    Status s = PageAttribute(page, row, key, &ka.value, &found);
    if (!s.ok()) return s;
    if (found) cx.key.push_back(std::move(ka));
  }
  r->slots.push_back(Slot{page_number, row, v});
  bool found = false;
  Status s = PageAttribute(page, row, column->name(), &v->stored, &found);
  if (!s.ok()) return WithContext(s, cx);
  std::string& uri = v->uri;
  if (found && v->stored.type() != AttributeValue::Type::kNull) {
    v->result.status = column->ObjectUri(cx, v->stored, &uri);
  }
  if (uri.empty()) {  // NULL, or the stored value's error
    v->done = v->decoded = true;
    return Status::OK();
  }
  for (size_t k = 0; k + 1 < r->slots.size(); ++k) {
    const std::shared_ptr<Value>& earlier = r->slots[k].value;
    if (!earlier->same_as && earlier->uri == uri) {
      v->same_as = earlier;
      v->done = true;
      return Status::OK();
    }
  }
  if (source.pending_object) {
    // Objects of the open transaction's pending writes are served from
    // memory: they reach S3 only at COMMIT.
    if (std::shared_ptr<const std::string> body = source.pending_object(uri)) {
      v->body = std::move(body);
      v->done = true;
      return Status::OK();
    }
  }
  std::shared_ptr<Shared> shared = shared_;
  // Decoding on the loop's thread overlaps it with SQLite's work; a key
  // may need the network (a KMS call must not block the loop) and a large
  // object would hold every other transfer: those decode on SQLite's thread.
  bool decode_on_loop = column->chain().KeyReferences().empty();
  uint64_t in_flight = 0;  // with this one, as it is sent
  {
    std::lock_guard<std::mutex> lock(shared->mu);
    in_flight = ++shared->in_flight;
  }
  codec::S3Resolver* resolver = source.session->Resolver(source.connection);
  bool sent =
      resolver->StartFetch(uri, [shared, v, decode_on_loop](codec::FetchResult f, bool from_s3) {
        codec::DecodeResult result;
        bool decoded = false;
        if (f.status.ok() && f.body && decode_on_loop && f.body->size() <= kLoopDecodeBytes) {
          result.status = v->column->Decode(v->context, v->stored, *f.body, &result.value);
          decoded = true;
        }
        std::lock_guard<std::mutex> lock(shared->mu);
        if (decoded) {
          v->result = std::move(result);
        } else {
          v->result.status = std::move(f.status);
        }
        v->decoded = decoded;
        v->body = std::move(f.body);
        v->done = true;
        v->held = (v->body ? v->body->size() : 0) + v->result.value.data.size();
        shared->held += v->held;
        --shared->in_flight;
        if (from_s3 && shared->open && shared->stats && v->body) {
          shared->stats->s3_bytes += v->body->size();
        }
        shared->cv.notify_all();
      });
  if (Stats* stats = source.stats) {
    if (!sent) {
      // Answered at once: from the cache (or a malformed URI, an error).
      if (v->body) ++stats->s3_cache_hits;
      return Status::OK();
    }
    ++stats->s3_gets;
    uint64_t seen = stats->s3_in_flight_max.load();
    while (in_flight > seen && !stats->s3_in_flight_max.compare_exchange_weak(seen, in_flight)) {
    }
  }
  return Status::OK();
}

Status CursorCodecs::Fill(const Source& source, const std::shared_ptr<const codec::Column>& column,
                          Reader* r, const CursorPosition& at) {
  size_t window = std::min(source.session->concurrency(), std::max(kFirstWindowRows, 2 * r->read));
  if (at.rows_allowed >= 0) window = std::min(window, static_cast<size_t>(at.rows_allowed));
  while (r->slots.size() < std::max<size_t>(window, 1)) {
    if (!r->slots.empty()) {
      // Large objects: the bytes answered and not read bound the window too.
      std::lock_guard<std::mutex> lock(shared_->mu);
      if (shared_->held >= kWindowBytes) break;
    }
    const dynamodb::ItemPage* page = nullptr;
    if (r->next_page == at.page_number) {
      page = at.page;
    } else if (r->next_page <= at.page_number + kPagesAhead && at.page_after) {
      page = at.page_after(r->next_page);
    }
    if (page == nullptr) break;  // the next page has not arrived (or there is none)
    if (r->next_row >= page->items.size() + page->item_texts.size()) {
      ++r->next_page;
      r->next_row = 0;
      continue;
    }
    Status s = Start(source, column, *page, r->next_page, r->next_row, r);
    if (!s.ok()) return s;
    ++r->next_row;
  }
  return Status::OK();
}

Status CursorCodecs::Result(sqlite3_context* ctx, const Source& source, int col,
                            const CursorPosition& at) {
  const codec::Column* c = source.codecs->At(col);
  if (!c->s3()) {
    Plain& p = plain_[col];
    if (p.page != at.page_number || p.row != at.row) {
      p.page = UINT64_MAX;
      p.context = codec::Context();
      p.context.table = source.codecs->table();
      p.context.attribute = c->name();
      p.context.max_decoded_bytes = source.session->max_decoded_bytes();
      for (const auto& key : source.keys) {
        codec::KeyAttribute ka;
        ka.name = key;
        bool found = false;
        Status s = PageAttribute(*at.page, at.row, key, &ka.value, &found);
        if (!s.ok()) return s;
        if (found) p.context.key.push_back(std::move(ka));
      }
      AttributeValue stored;
      bool found = false;
      Status s = PageAttribute(*at.page, at.row, c->name(), &stored, &found);
      if (!s.ok()) return WithContext(s, p.context);
      p.value = codec::DecodeResult();
      if (found) p.value.status = c->Decode(p.context, stored, {}, &p.value.value);
      p.page = at.page_number;
      p.row = at.row;
    }
    if (!p.value.status.ok()) return WithContext(p.value.status, p.context);
    ResultPlain(ctx, p.value.value);
    return Status::OK();
  }

  if (!shared_) {
    shared_ = std::make_shared<Shared>();
    shared_->stats = source.stats;
  }
  Reader& r = readers_[col];
  // Rows SQLite did not ask this column for (a WHERE on another column
  // rejected them) leave the window.
  auto before = [&at](const Slot& slot) {
    return slot.page < at.page_number || (slot.page == at.page_number && slot.row < at.row);
  };
  auto drop = [this](const Slot& slot) {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->held -= slot.value->held;
    slot.value->held = 0;
  };
  while (!r.slots.empty() && before(r.slots.front())) {
    drop(r.slots.front());
    r.slots.pop_front();
    ++r.read;
  }
  if (r.slots.empty() || r.slots.front().page != at.page_number || r.slots.front().row != at.row) {
    // The first row read, or the cursor moved past the window: start here.
    for (const Slot& slot : r.slots) drop(slot);
    r.slots.clear();
    r.next_page = at.page_number;
    r.next_row = at.row;
  }
  Status s = Fill(source, source.codecs->Shared(col), &r, at);
  if (!s.ok()) return s;
  Value& v = *r.slots.front().value;
  {
    std::unique_lock<std::mutex> lock(shared_->mu);
    Value* source_value = v.same_as ? v.same_as.get() : &v;
    shared_->cv.wait(lock, [source_value] { return source_value->done; });
    if (v.same_as && !v.decoded) {
      // The same object as an earlier row: its value, unless decoding it
      // failed (then decoded again, for this row's key in the message).
      const Value& first = *v.same_as;
      v.body = first.body;
      if (first.decoded && first.result.status.ok()) {
        v.result = first.result;
        v.decoded = true;
      } else if (!first.body) {
        v.result.status = first.result.status;  // the GET's error
      }
      v.same_as.reset();
    }
  }
  if (!v.decoded && v.result.status.ok()) {
    // Not decoded on the loop's thread: a key, a large object, a cache hit.
    std::string_view body = v.body ? std::string_view(*v.body) : std::string_view();
    v.result.status = c->Decode(v.context, v.stored, body, &v.result.value);
    v.decoded = true;
  }
  const codec::DecodeResult& result = v.result;
  if (!result.status.ok()) {
    if (result.status.IsNotFound() && source.session->s3missing() == S3Missing::kNull) {
      source.session->CountMissingAsNull();
      sqlite3_result_null(ctx);
      return Status::OK();
    }
    if (result.status.IsNotFound()) {
      return WithContext(result.status, v.context)
          .WithNote(".s3missing null reads missing S3 objects as NULL");
    }
    return WithContext(result.status, v.context);
  }
  ResultPlain(ctx, result.value);
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
