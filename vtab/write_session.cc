// The per-connection write session (write_session.h): the transaction
// between BEGIN and COMMIT, its savepoints, COMMIT's TransactWriteItems
// around the ledger, and the guard against DROP/ALTER of DynamoDB tables.
#include "vtab/write_session.h"

#include <iterator>
#include <utility>
#include <vector>

#include "engine/sqlite_util.h"
#include "vtab/module.h"
#include "vtab/write_pipeline.h"
#include "vtab/write_s3.h"

namespace ddb::vtab {

using dynamodb::Item;

std::string SchemaChangeRefused(const std::string& statement, const std::string& table) {
  return statement + " " + table +
         " refused: ddbsql never deletes or changes DynamoDB tables, and " +
         "DynamoDB is untouched (to use another name, CREATE VIRTUAL TABLE temp.x USING dynamodb(" +
         "table=" + sql::QuoteLiteral(table) + "))";
}

Status CommitRefused(const Status& s, const std::vector<const PendingWrite*>& writes,
                     const std::vector<size_t>& refused, int* sqlite_code) {
  std::string detail;
  for (size_t i : refused) {
    if (i >= writes.size()) continue;
    const PendingWrite& w = *writes[i];
    if (w.inserted) *sqlite_code = SQLITE_CONSTRAINT;
    detail += "; " + w.what +
              (w.inserted ? ": UNIQUE constraint failed: the key exists"
                          : ": the item changed or was deleted since it was read");
  }
  if (detail.empty()) return s.WithContext("COMMIT: nothing written");
  return Status::InvalidArgument("COMMIT: nothing written, DynamoDB cancelled the transaction" +
                                 detail);
}

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

Status WriteSession::Send(const std::vector<const PendingWrite*>& writes,
                          dynamodb::TransactWriteResult* result) {
  dynamodb::TransactWriteRequest req;
  req.client_request_token = ClientToken();
  for (const PendingWrite* w : writes) req.entries.push_back(w->Entry());
  auto send = [&] {
    if (stats_ != nullptr) ++stats_->transact_write_items;
    return client_->TransactWriteItems(req, result);
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
  if (items.empty()) return send();
  ledger::Ledger* ledger = nullptr;
  ledger::Session who;
  Status s = GetLedger(&ledger);
  if (s.ok()) s = ledger::SessionOf(*connection, &who);
  if (s.ok()) s = WriteWithS3(ledger, connection, who, stats_, items, send);
  return s;
}

Status WriteSession::Commit(int* sqlite_code) {
  if (sent_) {
    *sqlite_code = result_code_;
    return result_;
  }
  sent_ = true;
  result_code_ = SQLITE_ERROR;
  std::vector<const PendingWrite*> writes = pending_.Ordered();
  if (writes.empty()) {
    result_code_ = SQLITE_OK;
    *sqlite_code = result_code_;
    return result_;
  }
  dynamodb::TransactWriteResult sent;
  Status s = Send(writes, &sent);
  if (stats_ != nullptr) stats_->write_capacity_milli += MilliUnits(sent.consumed_capacity);
  if (s.ok()) {
    result_code_ = SQLITE_OK;
    result_ = s;
    if (stats_ != nullptr) {
      for (const PendingWrite* w : writes) stats_->items_written += w->row ? 1 : 0;
    }
  } else {
    std::vector<size_t> refused = RefusedEntries(s, sent);
    if (stats_ != nullptr) {
      for (size_t i : refused) stats_->items_refused += i < writes.size() ? 1 : 0;
    }
    result_ = CommitRefused(s, writes, refused, &result_code_);
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

}  // namespace ddb::vtab
