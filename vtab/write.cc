// The write side of one virtual table (write.h): TableWriter's xMethods, a
// row's INSERT and DELETE decided, staged into the transaction or sent
// through the statement's pipeline.
#include "vtab/write.h"

#include <cmath>
#include <optional>
#include <utility>

#include "engine/dynamodb/number.h"
#include "engine/strings.h"
#include "vtab/module.h"
#include "vtab/write_values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::Item;

sqlite3_int64 KeyRowid(const dynamodb::KeySchema& key, const Item& item) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view bytes) {
    for (unsigned char b : bytes) {
      h ^= b;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  for (const auto* k : {&key.hash, key.range ? &*key.range : nullptr}) {
    if (!k) continue;
    auto it = item.find(k->name);
    if (it == item.end()) continue;
    mix(AttributeValue::TypeName(it->second.type()));
    std::string canonical;
    bool number = it->second.type() == AttributeValue::Type::kN &&
                  dynamodb::CanonicalNumber(it->second.scalar(), &canonical).ok();
    mix(number ? canonical : it->second.scalar());
  }
  return static_cast<sqlite3_int64>(h);
}

WriteSession& ModuleContext::writes() {
  if (!writes_) {
    writes_ = std::make_shared<WriteSession>();
    writes_->set_stats(&stats_);
  }
  return *writes_;
}

// ---------------------------------------------------------------------------
// TableWriter

TableWriter::TableWriter(sqlite3* db, ModuleContext* ctx, std::shared_ptr<Connection> conn,
                         std::string table, dynamodb::KeySchema key,
                         std::vector<WriteColumn> columns, int item_column)
    : db_(db),
      ctx_(ctx),
      conn_(std::move(conn)),
      table_(std::move(table)),
      key_(std::move(key)),
      columns_(std::move(columns)),
      item_column_(item_column) {}

TableWriter::~TableWriter() = default;

void TableWriter::RememberRow(sqlite3_int64 rowid, const Item& item, bool whole) {
  if (!active_) return;  // a read: no write will follow
  rows_[rowid] = Row{item, whole};
}

bool TableWriter::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

bool TableWriter::IsKey(const std::string& attribute) const {
  return attribute == key_.hash.name || (key_.range && attribute == key_.range->name);
}

int TableWriter::Fail(sqlite3_vtab* vtab, const Status& s, int code) {
  // Ctrl-C surfaces as SQLITE_INTERRUPT, as on the read path: the shell
  // then says how many items were written and how many requests were cut.
  if (s.IsCancelled()) code = SQLITE_INTERRUPT;
  std::string msg = s.ToString();
  if (msg.find(table_) == std::string::npos) msg = "table " + table_ + ": " + msg;
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("%s", msg.c_str());
  return code;
}

Item TableWriter::KeyOf(const Item& item) const {
  Item key;
  for (const auto* k : {&key_.hash, key_.range ? &*key_.range : nullptr}) {
    if (!k) continue;
    auto it = item.find(k->name);
    if (it != item.end()) key[k->name] = it->second;
  }
  return key;
}

std::string TableWriter::What(const char* verb, const Item& key) const {
  return std::string(verb) + " " + table_ + " (" + DescribeKey(key) + ")";
}

int TableWriter::Begin(sqlite3_vtab* vtab) {
  if (ctx_->options().read_only) {
    return Fail(vtab,
                Status::InvalidArgument(ctx_->options().ReadOnlySession() +
                                        ": writes to DynamoDB are refused"),
                SQLITE_READONLY);
  }
  active_ = true;
  return SQLITE_OK;
}

Status TableWriter::BuildInsert(sqlite3_value** values, Change* change) {
  Item* item = &change->item;
  sqlite3_value* doc = values[item_column_];
  auto column_type = [this](const std::string& attribute) -> std::string {
    for (const auto& c : columns_) {
      if (c.attribute == attribute) return c.type;
    }
    return "";
  };
  if (item_column_ >= 0 && sqlite3_value_type(doc) != SQLITE_NULL) {
    AttributeValue parsed;
    Status s = dynamodb::FromPlainJson(
        std::string_view(reinterpret_cast<const char*>(sqlite3_value_text(doc)),
                         static_cast<size_t>(sqlite3_value_bytes(doc))),
        &parsed);
    if (s.ok() && parsed.type() != AttributeValue::Type::kM) {
      s = Status::InvalidArgument("not a JSON object");
    }
    if (!s.ok()) return Status::InvalidArgument("column item: " + s.message());
    for (const auto& [name, v] : parsed.map()) {
      s = PlainToAttribute(v, column_type(name), name, &(*item)[name]);
      if (!s.ok()) return s;
    }
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    const WriteColumn& c = columns_[i];
    if (static_cast<int>(i) == item_column_ || c.attribute.empty() || c.codec) continue;
    sqlite3_value* v = values[i];
    bool is_key = IsKey(c.attribute);
    if (sqlite3_value_type(v) == SQLITE_NULL && !(is_key && !item->count(c.attribute))) continue;
    Status s = is_key ? SqlToKeyAttribute(v, c.type, c.name, &(*item)[c.attribute])
                      : SqlToAttribute(v, c.type, c.name, &(*item)[c.attribute]);
    if (!s.ok()) return s;
  }
  // A key that is a codec column (deterministic, without S3: the catalog
  // allows no other) is encoded first; its context is table and column only.
  for (size_t i = 0; i < columns_.size(); ++i) {
    const WriteColumn& c = columns_[i];
    if (!c.codec || !IsKey(c.attribute) || sqlite3_value_type(values[i]) == SQLITE_NULL) continue;
    Status s = EncodeCodec(c, values[i], Item(), &(*item)[c.attribute], change);
    if (!s.ok()) return s;
  }
  // Keys given through `item` only are checked as strictly.
  for (const auto* k : {&key_.hash, key_.range ? &*key_.range : nullptr}) {
    if (!k) continue;
    auto it = item->find(k->name);
    if (it == item->end() || AttributeValue::TypeName(it->second.type()) != k->type) {
      return Status::InvalidArgument("key " + k->name + " must be given, of DynamoDB type " +
                                     k->type);
    }
  }
  // Codec columns last: their context is the item's key.
  Item key = KeyOf(*item);
  for (size_t i = 0; i < columns_.size(); ++i) {
    const WriteColumn& c = columns_[i];
    if (!c.codec || IsKey(c.attribute) || sqlite3_value_type(values[i]) == SQLITE_NULL) continue;
    Status s = EncodeCodec(c, values[i], key, &(*item)[c.attribute], change);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status TableWriter::EncodeCodec(const WriteColumn& c, sqlite3_value* v, const Item& key,
                                AttributeValue* stored, Change* change) {
  codec::EncodedValue enc;
  Status s = c.codec->Encode(CodecContext(table_, key_, key, c.attribute), SqlToPlain(v, *c.codec),
                             codec::WriteOptions(), &enc);
  if (!s.ok()) return s;
  *stored = std::move(enc.stored);
  if (c.codec->s3()) {
    S3Write w;
    w.attribute = c.attribute;
    w.bucket = c.codec->s3()->bucket;
    w.upload = std::move(enc.upload);
    w.column = c.codec;
    change->s3.push_back(std::move(w));
  }
  return Status::OK();
}

std::vector<S3Write> TableWriter::S3Deletes() const {
  std::vector<S3Write> out;
  for (const auto& c : columns_) {
    if (!c.codec || !c.codec->s3()) continue;
    S3Write w;
    w.attribute = c.attribute;
    w.bucket = c.codec->s3()->bucket;
    w.column = c.codec;
    out.push_back(std::move(w));
  }
  return out;
}

dynamodb::GetItemRequest TableWriter::OldObjectsRequest(const Change& change) const {
  dynamodb::GetItemRequest req;
  req.table = table_;
  req.key = change.key;
  req.consistent_read = true;
  std::string projection;
  for (size_t i = 0; i < change.s3.size(); ++i) {
    std::string n = "#s" + std::to_string(i);
    req.names[n] = change.s3[i].attribute;
    projection += (projection.empty() ? "" : ", ") + n;
  }
  req.projection = projection;
  return req;
}

void TableWriter::ApplyOldObjects(const Item& stored, Change* change) const {
  OldObjects(stored, &change->s3);
  // The write happens only if the item still references what was read.
  std::string condition;
  for (size_t i = 0; i < change->s3.size(); ++i) {
    std::string n = std::to_string(i);
    change->names["#s" + n] = change->s3[i].attribute;
    auto it = stored.find(change->s3[i].attribute);
    change->expect.attributes.emplace(
        change->s3[i].attribute,
        it != stored.end() ? std::optional<AttributeValue>(it->second) : std::nullopt);
    if (it != stored.end()) {
      change->values[":s" + n] = it->second;
      condition += (condition.empty() ? "" : " AND ") + ("#s" + n) + " = :s" + n;
    } else {
      condition += (condition.empty() ? "" : " AND ") + ("attribute_not_exists(#s" + n) + ")";
    }
  }
  change->condition =
      change->condition.empty() ? condition : change->condition + " AND " + condition;
  change->read_old_s3 = false;
}

Status TableWriter::ReadOldObjects(Change* change) {
  if (change->s3.empty() || !change->read_old_s3) return Status::OK();
  dynamodb::GetItemResult res;
  Status s = conn_->dynamodb().GetItem(OldObjectsRequest(*change), &res);
  if (!s.ok()) return s.WithContext(change->what);
  ApplyOldObjects(res.item, change);
  return Status::OK();
}

Status TableWriter::LedgerSession(ledger::Ledger** ledger, ledger::Session* session) {
  Status s = ctx_->writes().GetLedger(ledger);
  if (!s.ok()) return s;
  if (!session_) {
    ledger::Session me;
    s = ledger::SessionOf(*conn_, &me);
    if (!s.ok()) return s;
    session_ = me;
  }
  *session = *session_;
  return Status::OK();
}

int TableWriter::Update(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid) {
  if (ctx_->options().read_only) return Begin(vtab);
  if (!InTransaction() && pipeline_.failed()) {
    int code = SQLITE_ERROR;
    Status s = Finish(&code);
    return Fail(vtab, s, code);
  }
  Change change;
  const bool is_delete = argc == 1;
  const bool is_insert = !is_delete && sqlite3_value_type(argv[0]) == SQLITE_NULL;

  if (is_insert) {
    if (sqlite3_value_type(argv[1]) != SQLITE_NULL) {
      return Fail(vtab, Status::InvalidArgument("rowid cannot be set: items have no rowid"));
    }
    Status s = BuildInsert(argv + 2, &change);
    if (s.ok() && encryptor_) s = EncryptItem(&change);
    if (s.ok()) s = CheckItemSize(change.item, What("INSERT into", KeyOf(change.item)));
    if (!s.ok()) return FailRow(vtab, s);
    int mode = sqlite3_vtab_on_conflict(db_);
    change.kind = Change::Kind::kPut;
    change.key = KeyOf(change.item);
    change.insert = mode != SQLITE_REPLACE;
    change.ignore = mode == SQLITE_IGNORE;
    change.expect.existence = change.insert ? Expect::Existence::kAbsent : Expect::Existence::kAny;
    if (!change.insert) {
      // REPLACE supersedes whatever objects the item had: the S3 columns
      // it does not set as well.
      std::set<std::string> set;
      for (const auto& w : change.s3) set.insert(w.attribute);
      for (auto& w : S3Deletes()) {
        if (!set.count(w.attribute)) change.s3.push_back(std::move(w));
      }
      change.read_old_s3 = !change.s3.empty();
    }
    change.what = What("INSERT into", change.key);
    *rowid = KeyRowid(key_, change.item);
  } else {
    auto found = rows_.find(sqlite3_value_int64(argv[0]));
    if (found == rows_.end()) {
      return Fail(vtab, Status::InvalidArgument("internal error: the row to change was not read"));
    }
    Row old = std::move(found->second);
    rows_.erase(found);
    change.key = KeyOf(old.item);
    if (is_delete) {
      change.kind = Change::Kind::kDelete;
      change.condition = "attribute_exists(#k0)";
      change.expect.existence = Expect::Existence::kExists;
      change.names["#k0"] = key_.hash.name;
      change.what = What("DELETE from", change.key);
      change.s3 = S3Deletes();
      change.read_old_s3 = !change.s3.empty();
      if (encryptor_) {
        Item current;
        Status s = ConditionOnSignature(old, &change, &current);
        if (!s.ok()) return Fail(vtab, s);
      }
    } else {
      if (sqlite3_value_type(argv[1]) != sqlite3_value_type(argv[0]) ||
          sqlite3_value_int64(argv[1]) != sqlite3_value_int64(argv[0])) {
        return Fail(vtab, Status::InvalidArgument("rowid cannot be set: items have no rowid"));
      }
      Status s = encryptor_ ? BuildEncryptedUpdate(argv + 2, std::move(old), &change)
                            : BuildUpdate(argv + 2, std::move(old), &change);
      if (!s.ok()) return Fail(vtab, s);
      if (change.kind == Change::Kind::kUpdate && change.update.empty()) return SQLITE_OK;
    }
  }
  int code = SQLITE_ERROR;
  if (InTransaction()) {
    bool ignored = false;
    Status s = Stage(std::move(change), &code, &ignored);
    if (!s.ok()) return Fail(vtab, s, code);
    // OR IGNORE met an existing key: with SQLITE_VTAB_CONSTRAINT_SUPPORT,
    // SQLite skips the row when told of the clash (nothing was changed).
    return ignored ? SQLITE_CONSTRAINT : SQLITE_OK;
  }
  Status s = Send(std::move(change), &code);
  if (!s.ok()) return Fail(vtab, s, code);
  return SQLITE_OK;
}

int TableWriter::FailRow(sqlite3_vtab* vtab, const Status& s) {
  if (InTransaction()) return Fail(vtab, s);
  // The rows SQLite handed over before this one are written first (the
  // statement stops here, as in SQLite), and the message counts them.
  FlushBatch();
  pending_keys_.clear();
  WriteOutcome out = pipeline_.Take();
  int code = SQLITE_ERROR;
  if (!out.status.ok()) return Fail(vtab, StatementResult(table_, out, &code), code);
  if (out.written == 0) return Fail(vtab, s);
  return Fail(vtab, s.WithNote("the statement stopped; " +
                               str::Plural(out.written, "item was", "items were") + " written"));
}

Status TableWriter::MoveWithS3Refused(const WriteColumn& c) const {
  return Status::NotSupported("table " + table_ +
                              ": changing the key of an item with a value in S3 column " + c.name +
                              " is not supported: INSERT the new item, then DELETE the old");
}

Status TableWriter::Send(Change change, int* code) {
  dynamodb::DynamoDbClient* client = &conn_->dynamodb();
  using Kind = Change::Kind;
  if (change.kind == Kind::kMove && !change.s3.empty()) {
    return Status::NotSupported(change.what + ": moving an item with S3 columns is not supported");
  }
  if (change.kind == Kind::kPut && !change.insert && change.s3.empty() &&
      change.condition.empty()) {
    // An unconditional put: BatchWriteItem, 25 a request. A key twice in
    // one request is refused, and two requests in flight race: wait first.
    Status s = OrderWrite(change.key);
    if (!s.ok()) return s;
    batch_.push_back({table_, dynamodb::BatchWriteEntry::Kind::kPut, std::move(change.item)});
    if (batch_.size() >= kBatchWriteSize) return FlushBatch();
    return Status::OK();
  }
  if (change.kind == Kind::kPut && change.insert && change.s3.empty() && change.condition.empty()) {
    // An INSERT: with the statement's other INSERT rows, up to 100 in one
    // TransactWriteItems (write_bulk.h). A key the statement wrote already
    // waits for that write, so that this one meets it as SQLite's would.
    Status s = OrderWrite(change.key);
    if (!s.ok()) return s;
    size_t bytes = ItemSize(change.item);
    inserts_.set_max_rows(static_cast<size_t>(ctx_->options().insert_rows));
    if (!inserts_.Fits(bytes)) FlushBatch();
    if (inserts_.Add(std::move(change), bytes)) return FlushBatch();
    return Status::OK();
  }
  std::string table = table_;
  std::string hash = key_.hash.name;
  // One item written twice by a statement: in order, as SQLite would.
  if (Status s = OrderWrite(change.key); !s.ok()) return s;
  ConfigurePipeline();
  Stats* stats = &ctx_->stats();
  auto shared = std::make_shared<Change>(std::move(change));
  // What the write will consume, for the write rate limit.
  const double units = WriteUnits(*shared);
  if (shared->s3.empty()) {
    auto task = [client, stats, table, hash, shared](WritePipeline::Done done) {
      StartChange(client, stats, table, hash, shared, std::move(done));
    };
    pipeline_.Submit(std::move(task), units);
    return Status::OK();
  }
  // S3 columns: the ledger, the objects, then DynamoDB (see write_s3.h).
  // Their bodies wait in memory until uploaded: the pipeline lets a write in
  // only while the bodies in flight and its own stay under kS3BytesInFlight.
  const size_t bytes = S3BytesHeld(shared->s3);
  ledger::Ledger* ledger = nullptr;
  ledger::Session who;
  Status s = LedgerSession(&ledger, &who);
  if (!s.ok()) return s;
  WritePipeline* pipeline = &pipeline_;
  std::shared_ptr<S3WriteGroup> group = s3_group_;
  auto task = [this, client, stats, table, hash, ledger, who, shared, pipeline,
               group](WritePipeline::Done done) {
    // The S3 half around the DynamoDB request: its ledger steps on the
    // pipeline's ledger thread.
    PostStep post = [pipeline](std::function<void()> step) {
      pipeline->PostToLedger(std::move(step));
    };
    auto write = [this, client, stats, table, hash, ledger, who, shared, post, done, group]() {
      auto out = std::make_shared<WriteOutcome>();
      StartWrite start_write = [client, stats, table, hash, shared,
                                out](std::function<void(Status)> finished) {
        StartChange(client, stats, table, hash, shared, [out, finished](WriteOutcome o) {
          *out = std::move(o);
          if (!out->status.ok()) return finished(out->status);
          if (out->conflicts > 0 || out->written == 0) {
            // Refused (or ignored): not written, its new objects must go.
            return finished(
                Status::AwsError("ConditionalCheckFailedException", "not written", 400));
          }
          finished(Status::OK());
        });
      };
      // The S3 writes move on (the bodies are not copied): nothing reads
      // them from the change after this.
      StartWriteWithS3(
          ledger, conn_, who, stats, table, shared->key, std::move(shared->s3),
          std::move(start_write), post,
          [out, shared, done](Status w) {
            // A refusal is already in `out` (a conflict, or
            // INSERT OR IGNORE).
            if (!w.ok() && out->status.ok() && out->conflicts == 0 && !IsConditionFailure(w)) {
              out->status = w.WithContext(shared->what);
            }
            done(std::move(*out));
          },
          group);
    };
    if (!shared->read_old_s3) {
      post(std::move(write));
      return;
    }
    client->StartGetItem(OldObjectsRequest(*shared), [this, shared, post, done, write](
                                                         Status got, dynamodb::GetItemResult res) {
      post([this, shared, done, write, got = std::move(got), res = std::move(res)]() {
        if (!got.ok()) {
          WriteOutcome out;
          out.status = got.WithContext(shared->what);
          done(std::move(out));
          return;
        }
        ApplyOldObjects(res.item, shared.get());
        write();
      });
    });
  };
  pipeline_.Submit(std::move(task), units, bytes);
  return Status::OK();
}

Status TableWriter::ReadCurrent(const Item& key, Item* item, bool* found) {
  if (InTransaction()) {
    const Item* seen = nullptr;
    switch (ctx_->writes().Find(&conn_->dynamodb(), table_, key, &seen)) {
      case PendingWrites::Seen::kPresent:
        *item = *seen;
        *found = true;
        return Status::OK();
      case PendingWrites::Seen::kAbsent:
        *found = false;
        return Status::OK();
      case PendingWrites::Seen::kUnknown:
        break;
    }
  }
  dynamodb::GetItemRequest req;
  req.table = table_;
  req.key = key;
  req.consistent_read = true;
  dynamodb::GetItemResult res;
  Stats& stats = ctx_->stats();
  ++stats.get_item;
  ++stats.requests;
  Status s = conn_->dynamodb().GetItem(req, &res);
  stats.capacity_milli += static_cast<uint64_t>(std::llround(res.consumed_capacity * 1000));
  if (!s.ok()) return s;
  *found = res.found;
  *item = std::move(res.item);
  return Status::OK();
}

Status TableWriter::CheckKeyFree(const Item& key, const std::string& what, bool new_key,
                                 bool* ignored, int* code) {
  *ignored = false;
  const Item* seen = nullptr;
  PendingWrites::Seen state = ctx_->writes().Find(&conn_->dynamodb(), table_, key, &seen);
  if (state == PendingWrites::Seen::kAbsent) return Status::OK();  // this transaction deleted it
  bool exists = state == PendingWrites::Seen::kPresent;
  if (state == PendingWrites::Seen::kUnknown) {
    // As DynamoDB holds it now; COMMIT's put is still conditioned on the key
    // not existing, against a writer in between.
    dynamodb::GetItemRequest req;
    req.table = table_;
    req.key = key;
    req.consistent_read = true;
    req.projection = "#k0";
    req.names["#k0"] = key_.hash.name;
    dynamodb::GetItemResult res;
    ++ctx_->stats().get_item;
    ++ctx_->stats().requests;
    Status s = conn_->dynamodb().GetItem(req, &res);
    if (!s.ok()) return s.WithContext(what);
    exists = res.found;
  }
  if (!exists) return Status::OK();
  if (sqlite3_vtab_on_conflict(db_) == SQLITE_IGNORE) {
    *ignored = true;
    return Status::OK();
  }
  *code = SQLITE_CONSTRAINT;
  return Status::InvalidArgument(
      "UNIQUE constraint failed: " + what +
      (new_key ? ": an item with the new key exists" : ": an item with this key exists"));
}

Status TableWriter::Stage(Change change, int* code, bool* ignored) {
  using Kind = Change::Kind;
  *ignored = false;
  if (change.kind == Kind::kMove && !change.s3.empty()) {
    return Status::NotSupported(change.what + ": moving an item with S3 columns is not supported");
  }
  dynamodb::DynamoDbClient* client = &conn_->dynamodb();
  WriteSession& session = ctx_->writes();
  // An INSERT, or the new key of a move, must find no item: as in SQLite,
  // a clash fails this statement (or skips the row under OR IGNORE).
  if ((change.kind == Kind::kPut && change.insert) || change.kind == Kind::kMove) {
    bool move = change.kind == Kind::kMove;
    Status s =
        CheckKeyFree(move ? KeyOf(change.item) : change.key, change.what, move, ignored, code);
    if (!s.ok() || *ignored) return s;
  }
  Status s = ReadOldObjects(&change);
  if (!s.ok()) return s;
  if (change.kind == Kind::kUpdate && !change.item_known) {
    // The transaction's reads need the whole item after the update.
    bool found = false;
    s = ReadCurrent(change.key, &change.item, &found);
    if (!s.ok()) return s;
    if (!found) {
      return Status::InvalidArgument(change.what + ": the item was deleted since it was read");
    }
    ApplyChanges(change.changes, &change.item);
  }
  ItemWrite w;
  w.table = table_;
  w.key = change.key;
  w.expect = change.expect;
  w.what = change.what;
  if (!change.s3.empty()) {
    w.connection = conn_;
    w.s3 = change.s3;
  }
  switch (change.kind) {
    case Kind::kPut:
      w.kind = ItemWrite::Kind::kPut;
      w.item = std::move(change.item);
      w.insert = change.insert;
      return session.Add(std::move(w), client);
    case Kind::kUpdate:
      w.kind = ItemWrite::Kind::kUpdate;
      w.item = std::move(change.item);
      w.changes = std::move(change.changes);
      return session.Add(std::move(w), client);
    case Kind::kDelete:
      w.kind = ItemWrite::Kind::kDelete;
      return session.Add(std::move(w), client);
    case Kind::kMove: {
      // The old key's delete (on the UPDATE's conditions), then a put of
      // the new key, which must not exist.
      w.kind = ItemWrite::Kind::kDelete;
      w.row = false;
      size_t mark = session.mark();
      s = session.Add(std::move(w), client);
      if (!s.ok()) return s;
      ItemWrite put;
      put.kind = ItemWrite::Kind::kPut;
      put.table = table_;
      put.key = KeyOf(change.item);
      put.item = std::move(change.item);
      put.insert = true;
      put.expect.existence = Expect::Existence::kAbsent;
      put.what = change.what;
      s = session.Add(std::move(put), client);
      if (!s.ok()) session.UndoTo(mark);
      return s;
    }
  }
  return Status::OK();
}

Status TableWriter::OrderWrite(const Item& key) {
  std::string id = dynamodb::ItemToPlainJson(key);
  if (pending_keys_.count(id)) {
    Status s = FlushBatch();
    if (!s.ok()) return s;
    pipeline_.Wait();
    pending_keys_.clear();
  }
  pending_keys_.insert(std::move(id));
  return Status::OK();
}

void TableWriter::ConfigurePipeline() {
  pipeline_.set_limit(ctx_->options().write_parallel);
  pipeline_.set_rate_limit(&ctx_->write_rate_limiter(), &conn_->http());
}

Status TableWriter::FlushBatch() {
  dynamodb::DynamoDbClient* client = &conn_->dynamodb();
  Stats* stats = &ctx_->stats();
  ConfigurePipeline();
  if (!inserts_.empty()) {
    InsertCheck check =
        ctx_->options().insert_check_batch ? InsertCheck::kBatch : InsertCheck::kTransact;
    auto rows = std::make_shared<std::vector<WriteChange>>(inserts_.Take());
    // A transaction's write costs twice a PutItem's (a chunk of one row is
    // a PutItem: write_bulk.h).
    double units = 0;
    for (const WriteChange& c : *rows) units += WriteUnits(c.item);
    if (check == InsertCheck::kTransact && rows->size() > 1) units *= 2;
    RateLimiter* limiter = &ctx_->write_rate_limiter();
    auto task = [client, stats, limiter, table = table_, hash = key_.hash.name, rows,
                 check](WritePipeline::Done done) {
      StartInserts(client, stats, limiter, table, hash, rows, check, std::move(done));
    };
    pipeline_.Submit(std::move(task), units);
  }
  if (batch_.empty()) return Status::OK();
  double units = 0;
  for (const auto& e : batch_) units += WriteUnits(e.item);
  auto task = [client, stats, entries = std::move(batch_)](WritePipeline::Done done) mutable {
    StartBatch(client, stats, std::move(entries), std::move(done));
  };
  pipeline_.Submit(std::move(task), units);
  batch_.clear();
  return Status::OK();
}

Status TableWriter::Finish(int* code) {
  FlushBatch();
  pending_keys_.clear();
  return StatementResult(table_, pipeline_.Take(), code);
}

int TableWriter::Sync(sqlite3_vtab* vtab) {
  // At COMMIT SQLite is already back in autocommit mode: both kinds of
  // writes are finished here, the statement's and the transaction's.
  int code = SQLITE_OK;
  Status s = Finish(&code);
  if (s.ok()) s = ctx_->writes().Commit(&code);
  if (!s.ok()) return Fail(vtab, s, code == SQLITE_OK ? SQLITE_ERROR : code);
  return SQLITE_OK;
}

int TableWriter::Commit() {
  active_ = false;
  rows_.clear();
  ctx_->writes().Reset();
  return SQLITE_OK;
}

int TableWriter::Rollback() {
  // Unsent puts are dropped; requests in flight cannot be called back.
  batch_.clear();
  inserts_.Take();
  pending_keys_.clear();
  pipeline_.Take();
  active_ = false;
  rows_.clear();
  ctx_->writes().Reset();
  return SQLITE_OK;
}

}  // namespace ddb::vtab
