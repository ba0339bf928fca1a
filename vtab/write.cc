#include "vtab/write.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

#include "engine/dynamodb/number.h"
#include "vtab/module.h"
#include "vtab/write_values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::Item;

namespace {

constexpr size_t kConflictKeysShown = 5;

bool IsConditionFailure(const Status& s) {
  return s.aws_code() == "ConditionalCheckFailedException";
}

// The entries of a cancelled transaction whose condition failed, in order
// (none when `s` is not a cancellation).
std::vector<size_t> RefusedEntries(const Status& s, const dynamodb::TransactWriteResult& result) {
  std::vector<size_t> out;
  if (s.aws_code() != "TransactionCanceledException") return out;
  for (size_t i = 0; i < result.cancellation_reasons.size(); ++i) {
    if (result.cancellation_reasons[i].condition_failed()) out.push_back(i);
  }
  return out;
}

std::string ClientToken() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 32; ++i) out += kHex[rd() % 16];
  return out;
}

std::string Plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

// ---------------------------------------------------------------------------

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

// Capacity units in the thousandths Stats counts.
uint64_t MilliUnits(double units) { return static_cast<uint64_t>(std::llround(units * 1000)); }

std::string SchemaChangeRefused(const std::string& statement, const std::string& table) {
  return statement + " " + table +
         " refused: ddbsql never deletes or changes DynamoDB tables, and " +
         "DynamoDB is untouched (to use another name, CREATE VIRTUAL TABLE temp.x USING dynamodb(" +
         "table='" + table + "'))";
}

void WriteOutcome::Add(WriteOutcome other) {
  if (status.ok() && !other.status.ok()) {
    status = std::move(other.status);
    sqlite_code = other.sqlite_code;
  }
  written += other.written;
  conflicts += other.conflicts;
  for (auto& k : other.conflict_keys) {
    if (conflict_keys.size() < kConflictKeysShown) conflict_keys.push_back(std::move(k));
  }
}

// ---------------------------------------------------------------------------
// WritePipeline

WritePipeline::WritePipeline(int limit) : limit_(limit) {}

WritePipeline::~WritePipeline() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WritePipeline::Submit(Task task) {
  std::unique_lock<std::mutex> lock(mu_);
  if (threads_.empty()) {
    for (int i = 0; i < limit_; ++i) threads_.emplace_back([this] { Work(); });
  }
  cv_.wait(lock, [this] { return static_cast<int>(queue_.size()) + running_ < limit_; });
  queue_.push_back(std::move(task));
  cv_.notify_all();
}

void WritePipeline::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping
    Task task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    WriteOutcome outcome = task();
    lock.lock();
    --running_;
    total_.Add(std::move(outcome));
    cv_.notify_all();
  }
}

WriteOutcome WritePipeline::Take() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
  WriteOutcome out = std::move(total_);
  total_ = WriteOutcome();
  return out;
}

void WritePipeline::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
}

bool WritePipeline::failed() {
  std::lock_guard<std::mutex> lock(mu_);
  return !total_.status.ok();
}

// ---------------------------------------------------------------------------
// WriteSession

Status WriteSession::Add(ItemWrite write, dynamodb::DynamoDbClient* client) {
  std::string what = write.what;
  Status s;
  if (client_ != nullptr && !pending_.empty() && client_ != client) {
    s = Status::InvalidArgument(
        what + ": one transaction can only write tables of one account, region and endpoint");
  } else {
    s = pending_.Add(std::move(write));
  }
  if (!s.ok()) {
    // SQLite undoes the statement (RollbackTo); the transaction goes on.
    return Status::InvalidArgument(s.message() +
                                   "; this statement is undone (COMMIT sends the transaction's "
                                   "other writes, ROLLBACK drops them; or write in smaller "
                                   "transactions, or outside BEGIN)");
  }
  client_ = client;
  return Status::OK();
}

PendingWrites::Seen WriteSession::Find(const dynamodb::DynamoDbClient* client,
                                       const std::string& table, const Item& key,
                                       const Item** item) const {
  if (pending_.empty() || client != client_) return PendingWrites::Seen::kUnknown;
  return pending_.Find(table, key, item);
}

std::shared_ptr<const TableView> WriteSession::View(const dynamodb::DynamoDbClient* client,
                                                    const std::string& table) {
  if (pending_.empty() || client != client_) return nullptr;
  return pending_.View(table);
}

std::shared_ptr<const std::string> WriteSession::PendingObject(const std::string& uri) {
  if (pending_.empty()) return nullptr;
  return pending_.Object(uri);
}

void WriteSession::Savepoint(int n) { marks_.try_emplace(n, pending_.mark()); }

void WriteSession::RollbackTo(int n) {
  // The savepoint itself stays (ROLLBACK TO keeps it); later ones go.
  auto it = marks_.lower_bound(n);
  if (it == marks_.end()) return;
  size_t mark = it->second;
  marks_.erase(std::next(it), marks_.end());
  pending_.UndoTo(mark);
}

void WriteSession::Release(int n) {
  marks_.erase(marks_.lower_bound(n), marks_.end());
  // No savepoint left to return to: the journal has served.
  if (marks_.empty()) pending_.ForgetJournal();
}

Status WriteSession::Commit(int* sqlite_code) {
  if (sent_) {
    *sqlite_code = result_code_;
    return result_;
  }
  sent_ = true;
  result_code_ = SQLITE_ERROR;
  std::vector<const PendingWrite*> writes = pending_.Ordered();
  if (!writes.empty()) {
    dynamodb::TransactWriteRequest req;
    req.client_request_token = ClientToken();
    for (const PendingWrite* w : writes) req.entries.push_back(w->Entry());
    dynamodb::TransactWriteResult sent;
    auto send = [&] {
      if (stats_ != nullptr) ++stats_->transact_write_items;
      return client_->TransactWriteItems(req, &sent);
    };
    std::vector<S3ItemWrites> items;
    std::shared_ptr<Connection> connection;
    for (const PendingWrite* w : writes) {
      S3ItemWrites item{w->table, w->key, {}};
      for (const auto& x : w->s3) {
        if (x.upload || !x.old_keys.empty()) item.writes.push_back(x);
      }
      if (item.writes.empty()) continue;
      items.push_back(std::move(item));
      connection = w->connection;
    }
    Status s;
    if (items.empty()) {
      s = send();
    } else {
      ledger::Ledger* ledger = nullptr;
      ledger::Session who;
      s = GetLedger(&ledger);
      if (s.ok()) s = ledger::SessionOf(*connection, &who);
      if (s.ok()) s = WriteWithS3(ledger, connection, who, items, send);
    }
    if (stats_ != nullptr) stats_->write_capacity_milli += MilliUnits(sent.consumed_capacity);
    if (s.ok()) {
      result_code_ = SQLITE_OK;
      result_ = s;
      if (stats_ != nullptr) {
        for (const PendingWrite* w : writes) stats_->items_written += w->row ? 1 : 0;
      }
    } else {
      // The writes DynamoDB refused: their conditions failed.
      std::string detail;
      for (size_t i : RefusedEntries(s, sent)) {
        if (i >= writes.size()) continue;
        const PendingWrite& w = *writes[i];
        if (stats_ != nullptr) ++stats_->items_refused;
        if (w.inserted) result_code_ = SQLITE_CONSTRAINT;
        detail += "; " + w.what +
                  (w.inserted ? ": UNIQUE constraint failed: the key exists"
                              : ": the item changed or was deleted since it was read");
      }
      result_ = detail.empty()
                    ? s.WithContext("COMMIT: nothing written")
                    : Status::InvalidArgument(
                          "COMMIT: nothing written, DynamoDB cancelled the transaction" + detail);
    }
  } else {
    result_code_ = SQLITE_OK;
  }
  *sqlite_code = result_code_;
  return result_;
}

void WriteSession::Reset() {
  marks_.clear();
  pending_.Clear();
  client_ = nullptr;
  sent_ = false;
  result_ = Status::OK();
  result_code_ = SQLITE_OK;
}

Status WriteSession::GetLedger(ledger::Ledger** out) {
  if (!ledger_) {
    std::unique_ptr<ledger::Ledger> opened;
    Status s = ledger::Ledger::Open(ledger::Ledger::DefaultPath(), &opened);
    if (!s.ok()) return s;
    ledger_ = std::move(opened);
  }
  *out = ledger_.get();
  return Status::OK();
}

std::string WriteSession::TakeRefusal() {
  std::string r = std::move(refusal_);
  refusal_.clear();
  return r;
}

namespace {
// The authorizer: DROP TABLE and ALTER TABLE of the listed DynamoDB tables
// (schema "ddb") are refused at prepare time, with a message kept for the
// shell (SQLite itself only says "not authorized").
int Authorize(void* arg, int action, const char* a, const char* b, const char* db, const char*) {
  auto* session = static_cast<WriteSession*>(arg);
  std::string schema = db ? db : "";
  if (action == SQLITE_DROP_VTABLE && schema == "ddb" && b && std::string(b) == "dynamodb") {
    session->Refuse(SchemaChangeRefused("DROP TABLE", a ? a : ""));
    return SQLITE_DENY;
  }
  if (action == SQLITE_ALTER_TABLE && a && std::string(a) == "ddb") {
    session->Refuse(SchemaChangeRefused("ALTER TABLE", b ? b : ""));
    return SQLITE_DENY;
  }
  return SQLITE_OK;
}
}  // namespace

void InstallWriteGuard(sqlite3* db, ModuleContext* ctx) {
  sqlite3_set_authorizer(db, Authorize, &ctx->writes());
}

std::string TakeRefusal(ModuleContext* ctx) { return ctx->writes().TakeRefusal(); }

WriteSession& ModuleContext::writes() {
  if (!writes_) {
    writes_ = std::make_shared<WriteSession>();
    writes_->set_stats(&stats_);
  }
  return *writes_;
}

// ---------------------------------------------------------------------------
// TableWriter

struct TableWriter::Change {
  enum class Kind { kPut, kUpdate, kDelete, kMove };
  Kind kind = Kind::kPut;
  Item key;   // the item's key (kMove: the old key)
  Item item;  // kPut, kMove: the whole new item
  std::string update;
  std::string condition;  // kMove: the delete's
  dynamodb::NameMap names;
  dynamodb::AttributeMap values;
  bool insert = false;       // kPut: only if the key does not exist
  bool ignore = false;       // INSERT OR IGNORE: a clash is no error
  std::string what;          // "INSERT into t (id='a')"
  std::vector<S3Write> s3;   // S3 columns it changes
  bool read_old_s3 = false;  // their old objects are not known yet (ReadOldObjects)
  // For a transaction, which combines writes (transaction.h): the condition
  // as a structure, and for kUpdate what it changes and, when
  // `item_known`, the whole item after it (`item`).
  Expect expect;
  AttributeChanges changes;
  bool item_known = false;
};

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

Status TableWriter::ReadOldObjects(Change* change) {
  if (change->s3.empty() || !change->read_old_s3) return Status::OK();
  dynamodb::GetItemRequest req;
  req.table = table_;
  req.key = change->key;
  req.consistent_read = true;
  std::string projection;
  for (size_t i = 0; i < change->s3.size(); ++i) {
    std::string n = "#s" + std::to_string(i);
    req.names[n] = change->s3[i].attribute;
    projection += (projection.empty() ? "" : ", ") + n;
  }
  req.projection = projection;
  dynamodb::GetItemResult res;
  Status s = conn_->dynamodb().GetItem(req, &res);
  if (!s.ok()) return s.WithContext(change->what);
  OldObjects(res.item, &change->s3);
  // The write happens only if the item still references what was read.
  std::string condition;
  for (size_t i = 0; i < change->s3.size(); ++i) {
    std::string n = std::to_string(i);
    change->names["#s" + n] = change->s3[i].attribute;
    auto it = res.item.find(change->s3[i].attribute);
    change->expect.attributes.emplace(
        change->s3[i].attribute,
        it != res.item.end() ? std::optional<AttributeValue>(it->second) : std::nullopt);
    if (it != res.item.end()) {
      change->values[":s" + n] = it->second;
      condition += (condition.empty() ? "" : " AND ") + ("#s" + n) + " = :s" + n;
    } else {
      condition += (condition.empty() ? "" : " AND ") + ("attribute_not_exists(#s" + n) + ")";
    }
  }
  change->condition =
      change->condition.empty() ? condition : change->condition + " AND " + condition;
  change->read_old_s3 = false;
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
    if (s.ok()) s = CheckItemSize(change.item, What("INSERT into", KeyOf(change.item)));
    if (!s.ok()) return Fail(vtab, s);
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
    } else {
      if (sqlite3_value_type(argv[1]) != sqlite3_value_type(argv[0]) ||
          sqlite3_value_int64(argv[1]) != sqlite3_value_int64(argv[0])) {
        return Fail(vtab, Status::InvalidArgument("rowid cannot be set: items have no rowid"));
      }
      Status s = BuildUpdate(argv + 2, std::move(old), &change);
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

Status TableWriter::MoveWithS3Refused(const WriteColumn& c) const {
  return Status::NotSupported("table " + table_ +
                              ": changing the key of an item with a value in S3 column " + c.name +
                              " is not supported: INSERT the new item, then DELETE the old");
}

Status TableWriter::BuildUpdate(sqlite3_value** values, Row old, Change* change) {
  // The new key, when a key column is set to another value.
  Item new_key = change->key;
  bool key_changed = false;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const WriteColumn& c = columns_[i];
    if (!IsKey(c.attribute) || sqlite3_value_nochange(values[i])) continue;
    AttributeValue v;
    Status s;
    if (c.codec && sqlite3_value_type(values[i]) != SQLITE_NULL) {
      // A key that is a codec column (deterministic, without S3): encoded,
      // in the context of table and column only, as INSERT encodes it.
      Change scratch;
      s = EncodeCodec(c, values[i], Item(), &v, &scratch);
    } else {
      s = SqlToKeyAttribute(values[i], c.type, c.name, &v);
    }
    if (!s.ok()) return s;
    if (v != new_key[c.attribute] || v.type() != new_key[c.attribute].type()) {
      new_key[c.attribute] = std::move(v);
      key_changed = true;
    }
  }
  // Attribute -> its new value (nullopt: remove it).
  std::map<std::string, std::optional<AttributeValue>> changes;
  std::set<std::string> set_by_column;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const WriteColumn& c = columns_[i];
    if (static_cast<int>(i) == item_column_ || c.attribute.empty() || IsKey(c.attribute) ||
        sqlite3_value_nochange(values[i])) {
      continue;
    }
    set_by_column.insert(c.attribute);
    auto was = old.item.find(c.attribute);
    if (c.codec) {
      if (key_changed && c.codec->s3()) return MoveWithS3Refused(c);
      AttributeValue stored;
      Change scratch;
      if (sqlite3_value_type(values[i]) != SQLITE_NULL) {
        // Written for the item's new key when the statement changes it.
        Status s =
            EncodeCodec(c, values[i], key_changed ? new_key : change->key, &stored, &scratch);
        if (!s.ok()) return s;
      } else if (c.codec->s3()) {
        scratch.s3 = {S3Write{c.attribute, c.codec->s3()->bucket, std::nullopt, {}, c.codec}};
      }
      bool same = was != old.item.end()
                      ? was->second == stored && was->second.type() == stored.type()
                      : stored.type() == AttributeValue::Type::kNull && old.whole;
      if (same) continue;  // content-addressed: the same object, nothing to upload
      changes[c.attribute] = stored.type() == AttributeValue::Type::kNull
                                 ? std::nullopt
                                 : std::optional<AttributeValue>(stored);
      if (old.whole) {
        OldObjects(old.item, &scratch.s3);
      } else if (!scratch.s3.empty()) {
        change->read_old_s3 = true;
      }
      for (auto& w : scratch.s3) change->s3.push_back(std::move(w));
      continue;
    }
    if (sqlite3_value_type(values[i]) == SQLITE_NULL) {
      if (was != old.item.end() || !old.whole) changes[c.attribute] = std::nullopt;
      continue;
    }
    // The item's stored type is kept (write_values.h): a value that does not
    // convert to it is an error. The column's type stands in when the item
    // does not hold the attribute (or holds NULL).
    std::string type = c.type;
    if (was != old.item.end() && was->second.type() != AttributeValue::Type::kNull) {
      type = AttributeValue::TypeName(was->second.type());
    }
    AttributeValue v;
    Status s = SqlToAttribute(values[i], type, c.name, &v);
    if (!s.ok()) return s.WithContext(What("UPDATE", change->key));
    if (was != old.item.end()) {
      // A statement over many rows hands over every column's value, also
      // the ones it does not set: what still reads as the stored value is
      // unchanged (== compares numbers by value: 1.50 read as 1.5; a
      // document's binary and set members read as JSON keep their types
      // where the JSON did not change).
      const AttributeValue& stored = was->second;
      if ((stored.type() == AttributeValue::Type::kM || stored.type() == AttributeValue::Type::kL ||
           stored.is_set()) &&
          sqlite3_value_type(values[i]) == SQLITE_TEXT) {
        AttributeValue plain;
        AttributeValue merged;
        if (dynamodb::FromPlainJson(
                std::string_view(reinterpret_cast<const char*>(sqlite3_value_text(values[i])),
                                 static_cast<size_t>(sqlite3_value_bytes(values[i]))),
                &plain)
                .ok() &&
            MergePlainAttribute(&stored, plain, AttributeValue::TypeName(stored.type()), c.name,
                                &merged)
                .ok()) {
          v = std::move(merged);
        }
      }
      if (stored == v && stored.type() == v.type()) continue;
    }
    changes[c.attribute] = std::move(v);
  }
  // The whole item as JSON: attributes it adds, changes or leaves out.
  bool item_set = item_column_ >= 0 && !sqlite3_value_nochange(values[item_column_]);
  if (item_set || key_changed) {
    if (!old.whole) {
      // Removals and a move need the whole item: read it again, consistently.
      bool found = false;
      Status s = ReadCurrent(change->key, &old.item, &found);
      if (!s.ok()) return s;
      if (!found) {
        return Status::InvalidArgument(What("UPDATE", change->key) +
                                       ": the item was deleted since it was read");
      }
      old.whole = true;
    }
  }
  if (item_set) {
    sqlite3_value* doc = values[item_column_];
    if (sqlite3_value_type(doc) == SQLITE_NULL) {
      return Status::InvalidArgument("column item cannot be set to NULL (set it to a JSON object)");
    }
    AttributeValue parsed;
    Status s = dynamodb::FromPlainJson(
        std::string_view(reinterpret_cast<const char*>(sqlite3_value_text(doc)),
                         static_cast<size_t>(sqlite3_value_bytes(doc))),
        &parsed);
    if (s.ok() && parsed.type() != AttributeValue::Type::kM) {
      s = Status::InvalidArgument("not a JSON object");
    }
    if (!s.ok()) return Status::InvalidArgument("column item: " + s.message());
    for (const auto& [name, plain] : parsed.map()) {
      if (set_by_column.count(name)) continue;
      auto was = old.item.find(name);
      std::string hint = was != old.item.end() ? AttributeValue::TypeName(was->second.type()) : "";
      if (hint.empty()) {
        for (const auto& c : columns_) {
          if (c.attribute == name) hint = c.type;
        }
      }
      AttributeValue v;
      s = MergePlainAttribute(was != old.item.end() ? &was->second : nullptr, plain, hint, name,
                              &v);
      if (!s.ok()) return s;
      if (IsKey(name)) {
        if (v != change->key[name]) {
          return Status::InvalidArgument("key " + name +
                                         " cannot change through the item column; set its column");
        }
        continue;
      }
      if (was != old.item.end() && was->second == v && was->second.type() == v.type()) continue;
      changes[name] = std::move(v);
    }
    for (const auto& [name, v] : old.item) {
      if (!IsKey(name) && !set_by_column.count(name) && !parsed.map().count(name)) {
        changes[name] = std::nullopt;
      }
    }
  }

  // The condition: the item exists and what changes still holds what was read.
  change->names["#k0"] = key_.hash.name;
  std::string condition = "attribute_exists(#k0)";
  change->expect.existence = Expect::Existence::kExists;
  std::string set;
  std::string remove;
  int n = 0;
  for (const auto& [name, v] : changes) {
    std::string i = std::to_string(n++);
    change->names["#u" + i] = name;
    auto was = old.item.find(name);
    if (was != old.item.end()) {
      change->values[":o" + i] = was->second;
      condition += " AND #u" + i + " = :o" + i;
      change->expect.attributes[name] = was->second;
    } else if (old.whole) {
      condition += " AND attribute_not_exists(#u" + i + ")";
      change->expect.attributes[name] = std::nullopt;
    }
    if (v) {
      change->values[":u" + i] = *v;
      set += (set.empty() ? "SET " : ", ") + ("#u" + i) + " = :u" + i;
    } else {
      remove += (remove.empty() ? "REMOVE " : ", ") + ("#u" + i);
    }
  }
  change->condition = condition;
  change->what = What("UPDATE", change->key);
  if (key_changed) {
    Item item = old.item;
    for (const auto& [name, v] : changes) {
      if (v) {
        item[name] = *v;
      } else {
        item.erase(name);
      }
    }
    for (const auto& [name, v] : new_key) item[name] = v;
    // Codec values bound to the old key (AEAD associated data) are written
    // again for the new one; others move as they are stored.
    for (const WriteColumn& c : columns_) {
      if (!c.codec || IsKey(c.attribute) || set_by_column.count(c.attribute)) continue;
      auto it = item.find(c.attribute);
      if (it == item.end() || !c.codec->BindsItemKey()) continue;
      if (c.codec->s3()) return MoveWithS3Refused(c);
      codec::PlainValue plain;
      Status s = c.codec->Decode(CodecContext(table_, key_, change->key, c.attribute), it->second,
                                 {}, &plain);
      codec::EncodedValue enc;
      if (s.ok()) {
        s = c.codec->Encode(CodecContext(table_, key_, new_key, c.attribute), plain,
                            codec::WriteOptions(), &enc);
      }
      if (!s.ok()) return s.WithContext(What("UPDATE", change->key) + ": moving column " + c.name);
      it->second = std::move(enc.stored);
    }
    // The new values go in the put; the delete's condition uses only the
    // old ones (DynamoDB refuses values an expression does not use).
    for (auto it = change->values.begin(); it != change->values.end();) {
      it = it->first.rfind(":u", 0) == 0 ? change->values.erase(it) : std::next(it);
    }
    change->kind = Change::Kind::kMove;
    change->item = std::move(item);
    change->what = What("UPDATE", change->key) + " to (" + DescribeKey(new_key) + ")";
    return CheckItemSize(change->item, change->what);
  }
  change->kind = Change::Kind::kUpdate;
  change->update = set + (set.empty() || remove.empty() ? "" : " ") + remove;
  change->changes = changes;
  if (old.whole && !change->update.empty()) {
    Item item = old.item;
    for (const auto& [name, v] : changes) {
      if (v) {
        item[name] = *v;
      } else {
        item.erase(name);
      }
    }
    change->item = std::move(item);
    change->item_known = true;
    return CheckItemSize(change->item, change->what);
  }
  return Status::OK();
}

namespace {

// Sends one change's DynamoDB request (outside BEGIN) and says what it did.
WriteOutcome Execute(dynamodb::DynamoDbClient* client, Stats* stats, const std::string& table,
                     const std::string& hash, const TableWriter::ChangeView& change) {
  WriteOutcome out;
  Status s;
  dynamodb::WriteResult result;
  using Kind = TableWriter::ChangeView::Kind;
  switch (change.kind) {
    case Kind::kPut: {
      dynamodb::PutItemRequest req;
      req.table = table;
      req.item = *change.item;
      req.names = *change.names;
      req.values = *change.values;
      if (change.insert) {
        req.condition = "attribute_not_exists(#k0)";
        req.names["#k0"] = hash;
      } else {
        req.condition = *change.condition;
      }
      ++stats->put_item;
      s = client->PutItem(req, &result);
      if (IsConditionFailure(s) && change.insert) {
        ++stats->items_refused;
        if (change.ignore) return out;  // written stays 0
        out.status = Status::InvalidArgument("UNIQUE constraint failed: " + *change.what +
                                             ": an item with this key exists");
        out.sqlite_code = SQLITE_CONSTRAINT;
        return out;
      }
      break;
    }
    case Kind::kUpdate: {
      dynamodb::UpdateItemRequest req;
      req.table = table;
      req.key = *change.key;
      req.update = *change.update;
      req.condition = *change.condition;
      req.names = *change.names;
      req.values = *change.values;
      ++stats->update_item;
      s = client->UpdateItem(req, &result);
      break;
    }
    case Kind::kDelete: {
      dynamodb::DeleteItemRequest req;
      req.table = table;
      req.key = *change.key;
      req.condition = *change.condition;
      req.names = *change.names;
      req.values = *change.values;
      ++stats->delete_item;
      s = client->DeleteItem(req, &result);
      break;
    }
    case Kind::kMove: {
      dynamodb::TransactWriteRequest req;
      req.client_request_token = ClientToken();
      dynamodb::TransactWriteEntry del;
      del.kind = dynamodb::TransactWriteEntry::Kind::kDelete;
      del.table = table;
      del.item = *change.key;
      del.condition = *change.condition;
      del.names = *change.names;
      del.values = *change.values;
      dynamodb::TransactWriteEntry put;
      put.kind = dynamodb::TransactWriteEntry::Kind::kPut;
      put.table = table;
      put.item = *change.item;
      put.condition = "attribute_not_exists(#k0)";
      put.names["#k0"] = hash;
      req.entries = {std::move(del), std::move(put)};
      ++stats->transact_write_items;
      dynamodb::TransactWriteResult sent;
      s = client->TransactWriteItems(req, &sent);
      result.consumed_capacity = sent.consumed_capacity;
      // Cancelled, not ConditionalCheckFailedException: the reasons say
      // which condition failed, the put's (entry 1: the new key exists) or
      // the delete's (entry 0: the item changed).
      std::vector<size_t> refused = RefusedEntries(s, sent);
      if (!refused.empty()) ++stats->items_refused;
      auto refused_entry = [&refused](size_t i) {
        return std::find(refused.begin(), refused.end(), i) != refused.end();
      };
      if (refused_entry(1)) {
        out.status = Status::InvalidArgument("UNIQUE constraint failed: " + *change.what +
                                             ": an item with the new key exists");
        out.sqlite_code = SQLITE_CONSTRAINT;
        return out;
      }
      if (refused_entry(0)) {
        out.conflicts = 1;
        out.conflict_keys.push_back(DescribeKey(*change.key));
        return out;
      }
      break;
    }
  }
  stats->write_capacity_milli += MilliUnits(result.consumed_capacity);
  if (IsConditionFailure(s)) {
    ++stats->items_refused;
    out.conflicts = 1;
    out.conflict_keys.push_back(DescribeKey(*change.key));
  } else if (!s.ok()) {
    if (s.IsCancelled()) ++stats->writes_cancelled;
    out.status = s.WithContext(*change.what);
  } else {
    out.written = 1;
    ++stats->items_written;
  }
  return out;
}

}  // namespace

TableWriter::ChangeView TableWriter::View(const Change& c) {
  ChangeView v;
  v.kind = static_cast<ChangeView::Kind>(c.kind);
  v.key = &c.key;
  v.item = &c.item;
  v.update = &c.update;
  v.condition = &c.condition;
  v.names = &c.names;
  v.values = &c.values;
  v.insert = c.insert;
  v.ignore = c.ignore;
  v.what = &c.what;
  return v;
}

Status TableWriter::Send(Change change, int* code) {
  dynamodb::DynamoDbClient* client = &conn_->dynamodb();
  using Kind = Change::Kind;
  if (change.kind == Kind::kMove && !change.s3.empty()) {
    return Status::NotSupported(change.what + ": moving an item with S3 columns is not supported");
  }
  if (change.kind == Kind::kPut && !change.insert && change.s3.empty()) {
    // An unconditional put: BatchWriteItem, 25 a request. A key twice in
    // one request is refused, and two requests in flight race: wait first.
    Status s = OrderWrite(change.key);
    if (!s.ok()) return s;
    batch_.push_back({table_, dynamodb::BatchWriteEntry::Kind::kPut, std::move(change.item)});
    if (batch_.size() >= kBatchWriteSize) return FlushBatch();
    return Status::OK();
  }
  std::string table = table_;
  std::string hash = key_.hash.name;
  // One item written twice by a statement: in order, as SQLite would.
  if (Status s = OrderWrite(change.key); !s.ok()) return s;
  if (change.s3.empty()) {
    Stats* stats = &ctx_->stats();
    pipeline_.Submit([client, stats, table, hash, change = std::move(change)]() {
      return Execute(client, stats, table, hash, View(change));
    });
    return Status::OK();
  }
  // S3 columns: the ledger, the objects, then DynamoDB (see write_s3.h).
  ledger::Ledger* ledger = nullptr;
  ledger::Session who;
  Status s = LedgerSession(&ledger, &who);
  if (!s.ok()) return s;
  Stats* stats = &ctx_->stats();
  pipeline_.Submit(
      [this, client, stats, table, hash, ledger, who, change = std::move(change)]() mutable {
        WriteOutcome out;
        Status read = ReadOldObjects(&change);
        if (!read.ok()) {
          out.status = read;
          return out;
        }
        Status w = WriteWithS3(ledger, conn_, who, table, change.key, change.s3, [&] {
          out = Execute(client, stats, table, hash, View(change));
          if (!out.status.ok()) return out.status;
          if (out.conflicts > 0 || out.written == 0) {
            // Refused (or ignored): not written, its new objects must go.
            return Status::AwsError("ConditionalCheckFailedException", "not written", 400);
          }
          return Status::OK();
        });
        // A refusal is already in `out` (a conflict, or INSERT OR IGNORE).
        if (!w.ok() && out.status.ok() && out.conflicts == 0 && !IsConditionFailure(w)) {
          out.status = w.WithContext(change.what);
        }
        return out;
      });
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
  Status s = conn_->dynamodb().GetItem(req, &res);
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

Status TableWriter::FlushBatch() {
  if (batch_.empty()) return Status::OK();
  dynamodb::DynamoDbClient* client = &conn_->dynamodb();
  std::string table = table_;
  Stats* stats = &ctx_->stats();
  pipeline_.Submit([client, stats, table, entries = std::move(batch_)]() {
    WriteOutcome out;
    double capacity = 0;
    stats->batch_write_item += (entries.size() + kBatchWriteSize - 1) / kBatchWriteSize;
    Status s = client->BatchWriteItem(entries, &capacity);
    stats->write_capacity_milli += MilliUnits(capacity);
    if (s.IsCancelled()) ++stats->writes_cancelled;
    if (s.ok()) {
      out.written = entries.size();
      stats->items_written += entries.size();
    } else {
      out.status = s.WithContext("BatchWriteItem of " + Plural(entries.size(), "item", "items") +
                                 " (none of them or some written)");
    }
    return out;
  });
  batch_.clear();
  return Status::OK();
}

Status TableWriter::Finish(int* code) {
  FlushBatch();
  pending_keys_.clear();
  WriteOutcome out = pipeline_.Take();
  *code = SQLITE_OK;
  if (!out.status.ok()) {
    *code = out.sqlite_code == SQLITE_OK ? SQLITE_ERROR : out.sqlite_code;
    return out.status.WithNote("the statement stopped; " +
                               Plural(out.written, "item was", "items were") + " written");
  }
  if (out.conflicts > 0) {
    std::string keys;
    for (const auto& k : out.conflict_keys) keys += (keys.empty() ? "" : "; ") + k;
    if (out.conflicts > out.conflict_keys.size()) keys += "; ...";
    *code = SQLITE_ERROR;
    return Status::InvalidArgument(
        "table " + table_ + ": " + Plural(out.conflicts, "item was", "items were") +
        " not written because it changed or was deleted since the statement read it (" + keys +
        "); nothing was overwritten; " + Plural(out.written, "item was", "items were") +
        " written");
  }
  return Status::OK();
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
  pending_keys_.clear();
  pipeline_.Take();
  active_ = false;
  rows_.clear();
  ctx_->writes().Reset();
  return SQLITE_OK;
}

}  // namespace ddb::vtab
