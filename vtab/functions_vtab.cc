// ddb_partiql and ddb_query: eponymous-only virtual tables, used as
// table-valued functions (like SQLite's generate_series), for one-off reads
// that a declared table cannot express.
//
//   SELECT json_extract(item, '$.name')
//     FROM ddb_partiql('SELECT * FROM "orders" WHERE pk = ?', '["cust#1"]');
//   SELECT item FROM ddb_query('orders', 'pk = :p AND sk BETWEEN :a AND :b',
//                              '{":p": "cust#1", ":a": 1, ":b": 9}');
//
// ddb_partiql(statement [, params [, consistent]])
//   statement    a PartiQL SELECT; other statements are refused (writes
//                are not supported yet)
//   params       a JSON array of plain JSON values for the statement's '?'
//                in order: strings S, numbers N (every digit kept), true and
//                false BOOL, null NULL, objects M, arrays L
//   consistent   1: strongly consistent reads; NULL or absent: the
//                session's setting
//
// ddb_query(table_name, key_condition [, values_json [, index_name
//           [, filter [, descending]]]])
//   key_condition, filter   DynamoDB expressions whose attribute names are
//                written as they are: each word that is neither a keyword
//                (AND, OR, NOT, BETWEEN, IN) nor a function (a word before
//                '(') becomes the placeholder "#word", so reserved words
//                such as status or size need no care. "#name" stands for the
//                attribute name (no map needed); a name that is not an
//                identifier goes in double quotes: "order-id" = :v.
//   values_json  a JSON object {":v": value, ...} of plain JSON values (as
//                params above); a key without its ':' gets one
//   index_name   a global or local secondary index; NULL or '' for the table
//   descending   1: descending sort key order
//
// A table the session's catalog declares with item_encryption (tables of
// the AWS DynamoDB Encryption Client, encrypted_items.h): ddb_query's items
// are verified and decrypted as a SELECT's are (`.verify` alike), and a key
// condition or filter naming an encrypted attribute is refused (DynamoDB
// would compare ciphertexts), as is an index that does not project whole
// items (the signature covers them). ddb_partiql refuses such a table: its
// WHERE would compare ciphertexts and its projections break the signature.
//
// Columns: `item`, the whole item as JSON text (as the `item` column of
// tables; values.h), then the arguments as hidden columns of the names
// above. Pages stream in as the rows are consumed, the next one requested
// as soon as the previous arrives (SequentialSource, page_source.h). Binary
// values cannot be given as arguments (plain JSON has no binary type).
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/dynamodb/client.h"
#include "engine/sqlite_util.h"
#include "engine/strings.h"
#include "vtab/codec_functions.h"
#include "vtab/encrypted_items.h"
#include "vtab/functions.h"
#include "vtab/module.h"
#include "vtab/page_source.h"
#include "vtab/query_hint.h"
#include "vtab/values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::Item;
using dynamodb::ItemPage;

namespace {

// ---------------------------------------------------------------------------
// The two functions

enum class Kind { kPartiql, kQuery };

constexpr int kItemColumn = 0;  // the arguments are columns 1..arguments
constexpr int kMaxArguments = 6;

constexpr const char* kPartiqlArguments[] = {"statement", "params", "consistent"};
constexpr const char* kQueryArguments[] = {"table_name", "key_condition", "values_json",
                                           "index_name", "filter",        "descending"};

// What tells the functions apart.
struct FunctionSpec {
  Kind kind;
  const char* name;
  const char* usage;
  const char* const* arguments;
  int argument_count;
  int required;  // the first `required` arguments must be given
};

constexpr FunctionSpec kPartiql = {Kind::kPartiql,
                                   "ddb_partiql",
                                   "ddb_partiql(statement [, params [, consistent]])",
                                   kPartiqlArguments,
                                   3,
                                   1};
constexpr FunctionSpec kQuery = {
    Kind::kQuery,
    "ddb_query",
    "ddb_query(table_name, key_condition [, values_json [, index_name [, filter [, "
    "descending]]]])",
    kQueryArguments,
    6,
    2};

// Argument positions, as columns minus one.
enum PartiqlArgument { kStatement = 0, kParams = 1, kConsistent = 2 };
enum QueryArgument {
  kTableName = 0,
  kKeyCondition = 1,
  kValuesJson = 2,
  kIndexName = 3,
  kFilter = 4,
  kDescending = 5
};

// The virtual table. `base` must come first: SQLite hands us &base.
struct FnTable {
  sqlite3_vtab base;
  ModuleContext* ctx = nullptr;
  const FunctionSpec* spec = nullptr;
  // ddb_query: the tables with item_encryption it has read, each with its
  // ItemScheme (kept, so that KMS data keys stay cached) and description.
  struct Encrypted {
    std::shared_ptr<item_encryption::ItemScheme> encryptor;
    dynamodb::TableDescription desc;
  };
  std::map<std::string, Encrypted> encrypted;
};

void SetError(sqlite3_vtab* vtab, const std::string& msg) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("%s", msg.c_str());
}

// ---------------------------------------------------------------------------
// Cursor

struct ValueFree {
  void operator()(sqlite3_value* v) const { sqlite3_value_free(v); }
};
using ValuePtr = std::unique_ptr<sqlite3_value, ValueFree>;

// One call in progress. `base` must come first.
struct FnCursor {
  sqlite3_vtab_cursor base;
  std::array<ValuePtr, kMaxArguments> args;  // as given; null when absent
  std::unique_ptr<PageSource> pages;         // page_source.h
  ItemPage page;
  size_t pos = 0;
  bool more = false;  // pages after `page`
  bool eof = true;
  sqlite3_int64 rowid = 0;
};

const FnTable* TableOf(sqlite3_vtab_cursor* cur) { return reinterpret_cast<FnTable*>(cur->pVtab); }

// The Stats count of the function's requests.
std::atomic<uint64_t>& OpCount(const FnTable& t) {
  return t.spec->kind == Kind::kPartiql ? t.ctx->stats().execute_statement : t.ctx->stats().query;
}

// Argument `a` as text: false when it was not given or is NULL.
bool ArgText(const FnCursor& c, int a, std::string* out) {
  sqlite3_value* v = c.args[static_cast<size_t>(a)].get();
  if (v == nullptr || sqlite3_value_type(v) == SQLITE_NULL) return false;
  const unsigned char* text = sqlite3_value_text(v);
  out->assign(text ? reinterpret_cast<const char*>(text) : "",
              static_cast<size_t>(sqlite3_value_bytes(v)));
  return true;
}

// Argument `a` as a truth value; `fallback` when not given or NULL.
bool ArgBool(const FnCursor& c, int a, bool fallback) {
  sqlite3_value* v = c.args[static_cast<size_t>(a)].get();
  if (v == nullptr || sqlite3_value_type(v) == SQLITE_NULL) return fallback;
  return sqlite3_value_int64(v) != 0;
}

// Moves to the next row, fetching pages as needed (a page may be empty: a
// filter can drop all it read). Each page is counted as it arrives, as the
// tables' pages are; `op_count` is the request's own count in Stats.
Status Advance(FnCursor* c, Stats& stats, std::atomic<uint64_t>& op_count) {
  while (c->pos >= c->page.items.size()) {
    if (!c->more) {
      c->eof = true;
      return Status::OK();
    }
    c->pos = 0;
    bool done = true;
    Status s = c->pages->Next(&c->page, &done);
    if (!s.ok()) return s;
    c->more = !done;
    stats.requests++;
    op_count++;
    stats.pages++;
    stats.items_scanned += static_cast<uint64_t>(std::max<int64_t>(c->page.scanned_count, 0));
    stats.capacity_milli += static_cast<uint64_t>(std::llround(c->page.consumed_capacity * 1000));
  }
  c->eof = false;
  return Status::OK();
}

// ---------------------------------------------------------------------------
// ddb_partiql

// The first word of a statement, upper-cased, after blanks, '(' and
// comments ("--" to the end of the line, "/* ... */").
std::string FirstKeyword(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(') {
      ++i;
    } else if (s.substr(i, 2) == "--") {
      size_t end = s.find('\n', i);
      i = end == std::string_view::npos ? s.size() : end + 1;
    } else if (s.substr(i, 2) == "/*") {
      size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 2;
    } else {
      break;
    }
  }
  std::string word;
  for (; i < s.size() && std::isalpha(static_cast<unsigned char>(s[i])); ++i) {
    word.push_back(str::AsciiUpper(s[i]));
  }
  return word;
}

// The table a PartiQL SELECT reads (after FROM, outside quoted text: a
// "quoted" or bare name, an index after a dot left out); empty when none
// is found.
std::string PartiqlTable(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\'' || c == '"') {  // a string or a quoted name: skipped whole
      size_t end = s.find(c, i + 1);
      i = end == std::string_view::npos ? s.size() : end + 1;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      bool from = j - i == 4 && sqlite3_strnicmp(s.data() + i, "FROM", 4) == 0;
      i = j;
      if (!from) continue;
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i < s.size() && s[i] == '"') {
        size_t end = s.find('"', i + 1);
        if (end == std::string_view::npos) return "";
        return std::string(s.substr(i + 1, end - i - 1));
      }
      size_t k = i;
      while (k < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '_' || s[k] == '-')) {
        ++k;
      }
      return std::string(s.substr(i, k - i));
    } else {
      ++i;
    }
  }
  return "";
}

Status StartPartiql(ModuleContext* ctx, const FnCursor& c, std::unique_ptr<PageSource>* out) {
  dynamodb::ExecuteStatementRequest req;
  if (!ArgText(c, kStatement, &req.statement)) {
    return Status::InvalidArgument("the statement is NULL");
  }
  std::string keyword = FirstKeyword(req.statement);
  if (keyword != "SELECT") {
    bool write = keyword == "INSERT" || keyword == "UPDATE" || keyword == "DELETE" ||
                 keyword == "UPSERT" || keyword == "REPLACE";
    return Status::NotSupported(std::string("ddb_partiql runs SELECT statements only") +
                                (write ? "; writes are not supported yet" : "") +
                                " (the statement starts with '" +
                                (keyword.empty() ? req.statement.substr(0, 20) : keyword) + "')");
  }
  if (std::string table = PartiqlTable(req.statement); !table.empty()) {
    const codec::TableDecl* decl = ctx->codecs().catalog().Find(table);
    if (decl != nullptr && decl->item_encryption) {
      return Status::NotSupported(
          "table " + table +
          " is declared with item_encryption: PartiQL would compare and return its stored "
          "ciphertexts; read it with SELECT ... FROM \"" +
          table + "\" or ddb_query, which verify and decrypt its items");
    }
  }
  std::string params;
  if (ArgText(c, kParams, &params)) {
    AttributeValue list;
    Status s = dynamodb::FromPlainJson(params, &list);
    if (!s.ok()) return s.WithContext("params");
    if (list.type() != AttributeValue::Type::kL) {
      return Status::InvalidArgument(
          "params must be a JSON array of the values for the statement's '?', e.g. "
          "'[\"cust#1\", 5]'");
    }
    req.parameters = list.list();
  }
  req.consistent_read = ArgBool(c, kConsistent, ctx->options().consistent_read);

  std::shared_ptr<Connection> conn = ctx->shared_connection();
  auto fetch = [conn, req = std::move(req)](ItemPage* page, bool* last) mutable {
    dynamodb::StatementPage p;
    Status s = conn->dynamodb().ExecuteStatement(req, &p);
    if (!s.ok()) return s;
    page->scanned_count = static_cast<int64_t>(p.items.size());  // no ScannedCount in PartiQL
    page->items = std::move(p.items);
    page->consumed_capacity = p.consumed_capacity;
    *last = p.next_token.empty();
    req.next_token = std::move(p.next_token);
    return Status::OK();
  };
  *out = std::make_unique<SequentialSource>(
      RequestGate::Open(&ctx->rate_limiter(), &ctx->connection().http()), std::move(fetch));
  return Status::OK();
}

// ---------------------------------------------------------------------------
// ddb_query

bool IsWordStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool IsExpressionKeyword(std::string_view w) {
  for (const char* k : {"AND", "OR", "NOT", "BETWEEN", "IN"}) {
    if (w.size() == std::strlen(k) &&
        sqlite3_strnicmp(w.data(), k, static_cast<int>(w.size())) == 0)
      return true;
  }
  return false;
}

// Turns the attribute names of DynamoDB expressions into placeholders, so
// that every name can be written as it is (see the top of the file), and
// collects ExpressionAttributeNames for the placeholders used: DynamoDB
// rejects names that no expression uses.
class NameRewriter {
 public:
  // Appends `expr` rewritten to *out.
  Status Rewrite(std::string_view e, std::string* out) {
    size_t i = 0;
    while (i < e.size()) {
      const char c = e[i];
      size_t j = i + 1;
      if (c == ':') {  // a value placeholder, kept
        while (j < e.size() && IsWordChar(e[j])) ++j;
        out->append(e.substr(i, j - i));
      } else if (c == '#') {  // #name stands for `name`
        while (j < e.size() && IsWordChar(e[j])) ++j;
        if (j == i + 1) {
          return Status::InvalidArgument("'#' without a name at offset " + std::to_string(i) +
                                         " of '" + std::string(e) + "'");
        }
        Status s = Add(std::string(e.substr(i, j - i)), std::string(e.substr(i + 1, j - i - 1)));
        if (!s.ok()) return s;
        out->append(e.substr(i, j - i));
      } else if (c == '"') {  // "any name"
        size_t end = e.find('"', i + 1);
        if (end == std::string_view::npos) {
          return Status::InvalidArgument("unterminated quoted name in '" + std::string(e) + "'");
        }
        if (end == i + 1)
          return Status::InvalidArgument("empty quoted name in '" + std::string(e) + "'");
        std::string placeholder;
        Status s = Quoted(std::string(e.substr(i + 1, end - i - 1)), &placeholder);
        if (!s.ok()) return s;
        out->append(placeholder);
        j = end + 1;
      } else if (IsWordStart(c)) {
        while (j < e.size() && IsWordChar(e[j])) ++j;
        std::string_view word = e.substr(i, j - i);
        size_t k = j;
        while (k < e.size() && (e[k] == ' ' || e[k] == '\t' || e[k] == '\n')) ++k;
        bool function = k < e.size() && e[k] == '(';
        if (function || IsExpressionKeyword(word)) {
          out->append(word);
        } else {
          std::string placeholder = "#" + std::string(word);
          Status s = Add(placeholder, std::string(word));
          if (!s.ok()) return s;
          out->append(placeholder);
        }
      } else if (std::isdigit(static_cast<unsigned char>(c))) {  // list index: a[0]
        while (j < e.size() && IsWordChar(e[j])) ++j;
        out->append(e.substr(i, j - i));
      } else {
        out->push_back(c);
      }
      i = j;
    }
    return Status::OK();
  }

  dynamodb::NameMap& names() { return names_; }

 private:
  Status Add(const std::string& placeholder, const std::string& name) {
    auto [it, inserted] = names_.emplace(placeholder, name);
    if (!inserted && it->second != name) {
      return Status::InvalidArgument("placeholder " + placeholder + " stands for both '" +
                                     it->second + "' and '" + name + "'");
    }
    return Status::OK();
  }

  // Quoted names get "#0", "#1", ...: no word can make those (words start
  // with a letter or '_'), only an explicit "#0", which Add() then catches.
  Status Quoted(const std::string& name, std::string* placeholder) {
    auto it = quoted_.find(name);
    if (it == quoted_.end()) {
      it = quoted_.emplace(name, "#" + std::to_string(quoted_.size())).first;
    }
    *placeholder = it->second;
    return Add(it->second, name);
  }

  dynamodb::NameMap names_;
  std::map<std::string, std::string> quoted_;  // name -> placeholder
};

// ddb_query on `table`: *out its ItemEncryptor and description when the
// session's catalog declares it with item_encryption, else null. Opened
// once per connection (DescribeTable at most once per session).
Status QueryEncryption(FnTable* t, const std::string& table, const FnTable::Encrypted** out) {
  *out = nullptr;
  ModuleContext* ctx = t->ctx;
  const codec::TableDecl* decl = ctx->codecs().catalog().Find(table);
  if (decl == nullptr || !decl->item_encryption) return Status::OK();
  auto it = t->encrypted.find(table);
  if (it == t->encrypted.end()) {
    FnTable::Encrypted e;
    if (!ctx->DescribedBefore(table, &e.desc)) {
      ctx->stats().requests++;
      Status s = ctx->connection().dynamodb().DescribeTable(table, &e.desc);
      if (!s.ok()) return s;
      ctx->NoteDescribed(table, e.desc);
    }
    Status s = OpenItemEncryptor(*decl->item_encryption, table, e.desc.key,
                                 ctx->shared_connection(), ctx->codecs().keys(), &e.encryptor);
    if (!s.ok()) return s;
    it = t->encrypted.emplace(table, std::move(e)).first;
  }
  *out = &it->second;
  return Status::OK();
}

// The refusals of a Query on a table with item_encryption: a key condition
// or filter on an encrypted attribute, an index that leaves attributes out.
Status CheckEncryptedQuery(const FnTable::Encrypted& e, const dynamodb::QueryRequest& req) {
  for (const auto& [placeholder, name] : req.names) {
    if (e.encryptor->ActionFor(name) == item_encryption::Action::kEncrypt) {
      return Status::NotSupported(
          "table " + req.table + ": attribute \"" + name +
          "\" is encrypted (item_encryption): DynamoDB holds its ciphertext, so a key "
          "condition or filter on it cannot match; compare it in SQL (json_extract(item, ...))");
    }
  }
  if (req.index.empty()) return Status::OK();
  for (const auto* list : {&e.desc.global_indexes, &e.desc.local_indexes}) {
    for (const auto& ix : *list) {
      if (ix.name == req.index && ix.projection.type != "ALL") {
        return Status::NotSupported(
            "table " + req.table + ": index " + req.index + " projects " + ix.projection.type +
            ": the items' signature (item_encryption) covers every attribute, so only an index "
            "projecting ALL can be read verified; SELECT from the table instead");
      }
    }
  }
  return Status::OK();
}

Status StartQuery(FnTable* t, const FnCursor& c, std::unique_ptr<PageSource>* out) {
  ModuleContext* ctx = t->ctx;
  dynamodb::QueryRequest req;
  if (!ArgText(c, kTableName, &req.table) || req.table.empty()) {
    return Status::InvalidArgument("the table name is NULL or empty");
  }
  std::string key_condition;
  if (!ArgText(c, kKeyCondition, &key_condition) || key_condition.empty()) {
    return Status::InvalidArgument("table " + req.table + ": the key condition is NULL or empty");
  }
  NameRewriter rewriter;
  Status s = rewriter.Rewrite(key_condition, &req.key_condition);
  if (!s.ok()) return s.WithContext("table " + req.table + ": key_condition");
  std::string filter;
  if (ArgText(c, kFilter, &filter) && !filter.empty()) {
    s = rewriter.Rewrite(filter, &req.filter);
    if (!s.ok()) return s.WithContext("table " + req.table + ": filter");
  }
  req.names = std::move(rewriter.names());
  std::string values;
  if (ArgText(c, kValuesJson, &values)) {
    AttributeValue map;
    s = dynamodb::FromPlainJson(values, &map);
    if (!s.ok()) return s.WithContext("table " + req.table + ": values_json");
    if (map.type() != AttributeValue::Type::kM) {
      return Status::InvalidArgument("table " + req.table +
                                     ": values_json must be a JSON object of the expressions' "
                                     "values, e.g. '{\":p\": \"cust#1\", \":n\": 5}'");
    }
    for (const auto& [key, value] : map.map()) {
      req.values[key.starts_with(':') ? key : ":" + key] = value;
    }
  }
  ArgText(c, kIndexName, &req.index);
  req.scan_forward = !ArgBool(c, kDescending, false);
  // Global indexes cannot be read consistently; without describing the
  // table a local one cannot be told apart, so indexes read eventually.
  req.consistent_read = ctx->options().consistent_read && req.index.empty();
  const FnTable::Encrypted* encrypted = nullptr;
  s = QueryEncryption(t, req.table, &encrypted);
  if (!s.ok()) return s.WithContext("table " + req.table);
  if (encrypted) {
    s = CheckEncryptedQuery(*encrypted, req);
    if (!s.ok()) return s;
  }

  std::shared_ptr<Connection> conn = ctx->shared_connection();
  // Pages of an encrypted table are decrypted on the fetching thread.
  PageTransform decrypt = encrypted ? DecryptOnArrival(encrypted->encryptor, ctx) : nullptr;
  auto fetch = [conn, req = std::move(req), decrypt = std::move(decrypt)](ItemPage* page,
                                                                          bool* last) mutable {
    Status st = conn->dynamodb().Query(req, page);
    if (!st.ok()) return QueryIndexHint(&conn->dynamodb(), req, st);
    *last = page->last_evaluated_key.empty();
    req.exclusive_start_key = std::move(page->last_evaluated_key);
    return decrypt ? decrypt(page) : Status::OK();
  };
  *out = std::make_unique<SequentialSource>(
      RequestGate::Open(&ctx->rate_limiter(), &ctx->connection().http()), std::move(fetch));
  return Status::OK();
}

// ---------------------------------------------------------------------------
// xConnect / xDisconnect

std::string SchemaSql(const FunctionSpec& spec) {
  std::string sql = "CREATE TABLE x(item";
  for (int a = 0; a < spec.argument_count; ++a) {
    sql += ", " + sql::QuoteIdentifier(spec.arguments[a]) + " HIDDEN";
  }
  return sql + ")";
}

// Contract: declares the columns (`item`, then the arguments as hidden
// columns). Eponymous only: there is no xCreate, so `CREATE VIRTUAL TABLE
// ... USING ddb_query` is refused. Nothing is sent to DynamoDB.
int Connect(sqlite3* db, void* aux, const FunctionSpec& spec, sqlite3_vtab** out, char** err) {
  int rc = sqlite3_declare_vtab(db, SchemaSql(spec).c_str());
  if (rc != SQLITE_OK) {
    *err = sqlite3_mprintf("%s: cannot declare columns: %s", spec.name, sqlite3_errmsg(db));
    return rc;
  }
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  auto t = std::make_unique<FnTable>();
  std::memset(&t->base, 0, sizeof(t->base));
  t->ctx = static_cast<ModuleContext*>(aux);
  t->spec = &spec;
  *out = &t.release()->base;
  return SQLITE_OK;
}

int PartiqlConnect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out,
                   char** err) {
  return Connect(db, aux, kPartiql, out, err);
}

int QueryConnect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char** err) {
  return Connect(db, aux, kQuery, out, err);
}

// Contract: frees the table.
int FnDisconnect(sqlite3_vtab* vtab) {
  std::unique_ptr<FnTable> t(reinterpret_cast<FnTable*>(vtab));
  sqlite3_free(vtab->zErrMsg);
  return SQLITE_OK;
}

// ---------------------------------------------------------------------------
// xBestIndex

// Contract (the scheme of SQLite's series.c): the arguments of
// `ddb_query('orders', 'pk = :p')` reach us as equality constraints on the
// hidden columns 1..N (argument k is column k+1). Bit k of idxNum is set
// when argument k is given; argv holds the given arguments in column order
// (ddb_partiql: statement, params, consistent; ddb_query: table_name,
// key_condition, values_json, index_name, filter, descending), each
// consumed (omit). Other constraints stay with SQLite.
//
// A plan in which a given argument's value is not available yet (usable=0:
// a join that has not produced it) cannot be served: SQLITE_CONSTRAINT, so
// that SQLite orders the join the other way. A required argument that is
// not given at all is an error naming it. Never touches the network.
int FnBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  const auto* t = reinterpret_cast<FnTable*>(vtab);
  const FunctionSpec& spec = *t->spec;
  std::array<int, kMaxArguments> given;  // constraint index per argument
  given.fill(-1);
  std::array<bool, kMaxArguments> unusable{};
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    int a = c.iColumn - 1;
    if (c.iColumn == kItemColumn || a < 0 || a >= spec.argument_count) continue;
    if (c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c.usable) {
      unusable[static_cast<size_t>(a)] = true;
    } else if (given[static_cast<size_t>(a)] < 0) {
      given[static_cast<size_t>(a)] = i;
    }
  }
  int idx_num = 0;
  int argv = 0;
  for (int a = 0; a < spec.argument_count; ++a) {
    int i = given[static_cast<size_t>(a)];
    if (i < 0) {
      if (unusable[static_cast<size_t>(a)]) return SQLITE_CONSTRAINT;
      if (a < spec.required) {
        SetError(vtab, std::string(spec.name) + ": missing argument " + spec.arguments[a] +
                           "; usage: " + spec.usage);
        return SQLITE_ERROR;
      }
      continue;
    }
    idx_num |= 1 << a;
    info->aConstraintUsage[i].argvIndex = ++argv;
    info->aConstraintUsage[i].omit = 1;
  }
  info->idxNum = idx_num;
  // About one request; the rows are unknown.
  info->estimatedCost = 100;
  info->estimatedRows = 100;
  return SQLITE_OK;
}

// ---------------------------------------------------------------------------
// Cursor methods

// Contract: a cursor that has not been started (xFilter starts it).
int FnOpen(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto c = std::make_unique<FnCursor>();
  std::memset(&c->base, 0, sizeof(c->base));
  *out = &c.release()->base;
  return SQLITE_OK;
}

// Contract: frees the cursor; a page request in flight is waited for.
int FnClose(sqlite3_vtab_cursor* cur) {
  std::unique_ptr<FnCursor> c(reinterpret_cast<FnCursor*>(cur));
  return SQLITE_OK;
}

// Ends the call with `s` as the statement's error, named after the
// function; Ctrl-C is SQLITE_INTERRUPT.
int Fail(sqlite3_vtab_cursor* cur, const Status& s) {
  reinterpret_cast<FnCursor*>(cur)->eof = true;
  const char* name = TableOf(cur)->spec->name;
  std::string msg = s.ToString();
  if (!msg.starts_with(name)) msg = std::string(name) + ": " + msg;
  SetError(cur->pVtab, msg);
  return s.IsCancelled() ? SQLITE_INTERRUPT : SQLITE_ERROR;
}

// Contract: with argv as FnBestIndex documents, checks the arguments,
// sends the first request and positions on the first row. Errors name the
// function and the table or statement; Ctrl-C surfaces as SQLITE_INTERRUPT.
int FnFilter(sqlite3_vtab_cursor* cur, int idx_num, const char*, int argc, sqlite3_value** argv) {
  auto* c = reinterpret_cast<FnCursor*>(cur);
  auto* t = reinterpret_cast<FnTable*>(cur->pVtab);
  const FunctionSpec& spec = *t->spec;
  c->pages.reset();
  c->page = ItemPage();
  c->pos = 0;
  c->rowid = 1;
  c->more = false;
  c->eof = true;
  int k = 0;
  for (int a = 0; a < spec.argument_count; ++a) {
    ValuePtr& arg = c->args[static_cast<size_t>(a)];
    arg.reset();
    if ((idx_num & (1 << a)) != 0 && k < argc) arg.reset(sqlite3_value_dup(argv[k++]));
  }
  Status s = spec.kind == Kind::kPartiql ? StartPartiql(t->ctx, *c, &c->pages)
                                         : StartQuery(t, *c, &c->pages);
  if (s.ok()) {
    c->more = true;
    s = Advance(c, t->ctx->stats(), OpCount(*t));
  }
  if (!s.ok()) return Fail(cur, s);
  if (!c->eof) {
    t->ctx->stats().items_returned++;  // every item DynamoDB returns is a row here
    t->ctx->stats().rows++;
  }
  return SQLITE_OK;
}

// Contract: moves to the next row, fetching the next page when needed.
int FnNext(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<FnCursor*>(cur);
  const FnTable* t = TableOf(cur);
  ++c->pos;
  ++c->rowid;
  Status s = Advance(c, t->ctx->stats(), OpCount(*t));
  if (!s.ok()) return Fail(cur, s);
  if (!c->eof) {
    t->ctx->stats().items_returned++;  // every item DynamoDB returns is a row here
    t->ctx->stats().rows++;
  }
  return SQLITE_OK;
}

int FnEof(sqlite3_vtab_cursor* cur) { return reinterpret_cast<FnCursor*>(cur)->eof; }

// Contract: `item` as JSON text; an argument column gives the argument as
// passed (NULL when not given), so constraints SQLite keeps see it.
int FnColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int i) {
  auto* c = reinterpret_cast<FnCursor*>(cur);
  if (i == kItemColumn) {
    ResultItemJson(ctx, c->page.items[c->pos]);
    return SQLITE_OK;
  }
  size_t a = static_cast<size_t>(i - 1);
  if (a < c->args.size() && c->args[a]) {
    sqlite3_result_value(ctx, c->args[a].get());
  } else {
    sqlite3_result_null(ctx);
  }
  return SQLITE_OK;
}

// Contract: the row's position in the call's results, from 1.
int FnRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = reinterpret_cast<FnCursor*>(cur)->rowid;
  return SQLITE_OK;
}

constexpr sqlite3_module MakeModule(int (*connect)(sqlite3*, void*, int, const char* const*,
                                                   sqlite3_vtab**, char**)) {
  return {
      /* iVersion    */ 0,
      /* xCreate     */ nullptr,  // eponymous only
      /* xConnect    */ connect,
      /* xBestIndex  */ FnBestIndex,
      /* xDisconnect */ FnDisconnect,
      /* xDestroy    */ FnDisconnect,
      /* xOpen       */ FnOpen,
      /* xClose      */ FnClose,
      /* xFilter     */ FnFilter,
      /* xNext       */ FnNext,
      /* xEof        */ FnEof,
      /* xColumn     */ FnColumn,
      /* xRowid      */ FnRowid,
      /* xUpdate     */ nullptr,  // read-only
      /* xBegin      */ nullptr,
      /* xSync       */ nullptr,
      /* xCommit     */ nullptr,
      /* xRollback   */ nullptr,
      /* xFindFunction */ nullptr,
      /* xRename     */ nullptr,
      /* xSavepoint  */ nullptr,
      /* xRelease    */ nullptr,
      /* xRollbackTo */ nullptr,
      /* xShadowName */ nullptr,
  };
}

constexpr sqlite3_module kPartiqlModule = MakeModule(PartiqlConnect);
constexpr sqlite3_module kQueryModule = MakeModule(QueryConnect);

}  // namespace

Status RegisterFunctions(sqlite3* db, ModuleContext* context) {
  for (const auto& [name, module] :
       {std::pair{kPartiql.name, &kPartiqlModule}, std::pair{kQuery.name, &kQueryModule}}) {
    int rc = sqlite3_create_module_v2(db, name, module, context, nullptr);
    if (rc != SQLITE_OK) {
      return Status::IOError(std::string("sqlite: ") + name + ": " + sqlite3_errmsg(db));
    }
  }
  // s3_get, gunzip, zstd_decompress, decrypt (codec_functions.cc)
  return RegisterCodecFunctions(
      db,
      {[context] { return context->codecs().Resolver(context->shared_connection()); },
       context->codecs().keys(), "", [context] { return context->codecs().max_decoded_bytes(); }});
}

}  // namespace ddb::vtab
