// The "dynamodb" virtual table: one DynamoDB table (or a name bound to one)
// as a read-only SQLite table.
//
// Usage:
//
//   SELECT * FROM orders;                      -- every listed table, by name
//   CREATE VIRTUAL TABLE temp.o USING dynamodb(table='orders',
//       region='eu-west-1', endpoint='http://127.0.0.1:8000',
//       consistent=1, segments=8, sample=200,
//       columns='id TEXT, total NUMERIC, tags');
//
// Arguments (all optional but `table`; a lone first argument is the table):
//   table      the DynamoDB table name
//   region, endpoint, profile   another connection than the shell's
//   consistent strongly consistent reads (1/0)
//   segments   parallel scan segments (0: chosen from the table's size)
//   sample     items read to discover attributes (default 100)
//   columns    declared columns "name [type], ..." instead of sampling
//
// Columns: the key attributes first (typed from the key schema), then the
// other attributes found by sampling (or declared), each typed by the
// DynamoDB type most seen, then the key attributes of the indexes that
// neither named (every key attribute typed by AttributeDefinitions); plus
// the hidden column `item`, the whole item as JSON, so no attribute is ever
// out of reach. See values.h for how values map. Attributes whose names SQL
// would confuse (they differ only in case, or one is named `item`) get
// column names of their own (sql_names.h); the plan, filters and writes
// always name the attribute a column stands for.
//
// Each scan is planned by xBestIndex into a Plan (plan.h), costed as cost.h
// says, written to idxStr; xFilter reads it back and runs GetItem,
// BatchGetItem, Query or a parallel Scan, streaming pages with the next one
// already requested, or reads a copy the statement already holds
// (scan_cache.h). Inside BEGIN every scan sees the open transaction's own
// writes laid over DynamoDB's items (PendingSource, vtab/transaction.h).
// Each table is described once a session; its sampled columns come from the
// schema cache when that description shows the table they were sampled from
// (schema_cache.h).
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/dynamodb/client.h"
#include "engine/dynamodb/number.h"
#include "vtab/codec_columns.h"
#include "vtab/cost.h"
#include "vtab/functions.h"
#include "vtab/index_fetch.h"
#include "vtab/module.h"
#include "vtab/plan.h"
#include "vtab/rate_limiter.h"
#include "vtab/scan_cache.h"
#include "vtab/sql_names.h"
#include "vtab/values.h"
#include "vtab/write.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::Item;
using dynamodb::ItemPage;

namespace {

// Parallel scan segments at most: each is a request in flight and a thread.
constexpr long kMaxSegments = 64;

// ---------------------------------------------------------------------------
// Table state

struct Column {
  std::string name;       // SQL name
  std::string attribute;  // DynamoDB attribute; empty for the `item` column
  std::string type;       // DynamoDB type most seen ("S", "N", ...); "" mixed/unknown
  bool hidden = false;
};

// The virtual table. `base` must come first: SQLite hands us &base.
struct DdbTable {
  sqlite3_vtab base;
  ModuleContext* ctx = nullptr;
  std::shared_ptr<Connection> conn;
  std::string table;  // DynamoDB table name
  dynamodb::TableDescription desc;
  std::vector<Column> columns;
  int item_column = -1;
  bool consistent = false;
  int segments = 0;
  TableStats stats;  // sizes for the cost model (cost.h)
  // What sampling found (or the schema cache kept): attributes and types,
  // and the sample's summary for the cost model.
  std::vector<std::pair<std::string, std::string>> sampled_attributes;
  SampleSummary sample_summary;
  bool sampled_from_cache = false;
  std::string schema;                   // where SQLite declared it ("ddb", "temp", ...)
  std::unique_ptr<TableWriter> writer;  // INSERT, UPDATE, DELETE (vtab/write.h)
  // Declared codec columns (codec_columns.h); null when there are none.
  std::unique_ptr<TableCodecs> codecs;
  CursorCodecs::Source codec_source;

  // The column holding `attribute`, or -1.
  int ColumnOf(const std::string& attribute) const {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].attribute == attribute) return static_cast<int>(i);
    }
    return -1;
  }
  std::string KeyType(const std::string& attribute) const {
    auto find = [&](const dynamodb::KeySchema& k) -> std::string {
      if (k.hash.name == attribute) return k.hash.type;
      if (k.range && k.range->name == attribute) return k.range->type;
      return "";
    };
    std::string t = find(desc.key);
    for (const auto& i : desc.global_indexes) {
      if (t.empty()) t = find(i.key);
    }
    for (const auto& i : desc.local_indexes) {
      if (t.empty()) t = find(i.key);
    }
    return t;
  }
};

void SetError(sqlite3_vtab* vtab, const std::string& msg) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("%s", msg.c_str());
}

int ErrorCode(const Status& s) {
  if (s.IsCancelled()) return SQLITE_INTERRUPT;
  return SQLITE_ERROR;
}

std::string Unquote(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    char q = s.front();
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
      out.push_back(s[i]);
      if (s[i] == q && i + 2 < s.size() && s[i + 1] == q) ++i;
    }
    return out;
  }
  return std::string(s);
}

std::string QuoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Fills t->sampled_attributes from a page of `sample` items (one Scan),
// unless the schema cache had them already.
Status SampleAttributes(DdbTable* t, int sample) {
  if (t->sampled_from_cache) return Status::OK();
  dynamodb::ScanRequest req;
  req.table = t->table;
  req.limit = sample;
  ItemPage page;
  Status s = t->conn->dynamodb().Scan(req, &page);
  if (!s.ok()) return s;
  t->ctx->stats().requests++;
  t->sample_summary = SummarizeSample(page.items, page.last_evaluated_key.empty());
  std::map<std::string, std::map<std::string, int>> seen;  // attribute -> type -> count
  for (const auto& item : page.items) {
    for (const auto& [name, value] : item) {
      seen[name][AttributeValue::TypeName(value.type())]++;
    }
  }
  t->sampled_attributes.clear();
  for (const auto& [name, types] : seen) {
    t->sampled_attributes.emplace_back(name, types.size() == 1 ? types.begin()->first : "");
  }
  return Status::OK();
}

// True when a cached description is of the very table DescribeTable just
// described: a table deleted and created again under the same name has the
// same ARN but another creation time (and maybe another key).
bool SameTable(const dynamodb::TableDescription& cached, const dynamodb::TableDescription& now) {
  auto key = [](const dynamodb::KeySchema& k) {
    return k.hash.name + "\n" + k.hash.type + "\n" +
           (k.range ? k.range->name + "\n" + k.range->type : "");
  };
  return cached.arn == now.arn && cached.creation_time == now.creation_time &&
         key(cached.key) == key(now.key);
}

// Describes the table with DescribeTable (it costs no capacity), once per
// session on the session's own connection: the key schema never comes from
// a file that may be older than the table. The sampled columns come from
// the schema cache when its entry is of this very table (SameTable). `*scope`
// is set when the result is to be saved.
Status DescribeCached(DdbTable* t, bool cacheable, std::string* scope) {
  SchemaCache cache = t->ctx->schema_cache();
  if (cacheable && cache.enabled()) *scope = ModuleContext::SchemaScope(*t->conn);
  bool own = t->conn == t->ctx->shared_connection();
  if (!own || !t->ctx->DescribedBefore(t->table, &t->desc)) {
    Status s = t->conn->dynamodb().DescribeTable(t->table, &t->desc);
    t->ctx->stats().requests++;
    if (!s.ok()) return s;
    if (own) t->ctx->NoteDescribed(t->table, t->desc);
  }
  CachedSchema cached;
  if (!scope->empty() && cache.LoadTable(*scope, t->table, &cached) &&
      SameTable(cached.desc, t->desc)) {
    t->sampled_attributes = std::move(cached.attributes);
    t->sample_summary = std::move(cached.sample);
    t->sampled_from_cache = true;
  }
  return Status::OK();
}

// The key attributes of the table's indexes, by name, with their types.
std::map<std::string, std::string> IndexKeyAttributes(const dynamodb::TableDescription& desc) {
  std::map<std::string, std::string> out;
  for (const auto* list : {&desc.global_indexes, &desc.local_indexes}) {
    for (const auto& ix : *list) {
      out.emplace(ix.key.hash.name, ix.key.hash.type);
      if (ix.key.range) out.emplace(ix.key.range->name, ix.key.range->type);
    }
  }
  return out;
}

// Builds the column list: keys, then sampled (or declared) attributes, then
// the index keys neither named, then declared codec columns the sample did
// not find, then `item`. Each column is named after its attribute, except
// where SQL would confuse two of them (sql_names.h): attributes that differ
// only in case, or an attribute named like the hidden column `item`.
// `*renamed` gets those attributes, in groups of (attribute, column) that
// SQL cannot tell apart.
Status BuildColumns(DdbTable* t, const std::string& declared, int sample,
                    const std::map<std::string, std::shared_ptr<const codec::Column>>& codec_decls,
                    std::vector<RenamedGroup>* renamed) {
  std::vector<Column> cols;
  auto add = [&](const std::string& attr, const std::string& type) {
    for (const auto& c : cols) {
      if (c.attribute == attr) return;
    }
    cols.push_back({attr, attr, type, false});
  };
  add(t->desc.key.hash.name, t->desc.key.hash.type);
  if (t->desc.key.range) add(t->desc.key.range->name, t->desc.key.range->type);

  if (!declared.empty()) {
    size_t start = 0;
    while (start <= declared.size()) {
      size_t comma = declared.find(',', start);
      std::string part =
          declared.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      start = comma == std::string::npos ? declared.size() + 1 : comma + 1;
      std::string_view p = part;
      while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
      if (p.empty()) continue;
      std::string name;
      std::string type;
      if (p.front() == '"') {
        size_t end = p.find('"', 1);
        if (end == std::string_view::npos) {
          return Status::InvalidArgument("columns: unterminated quoted name in '" + part + "'");
        }
        name = std::string(p.substr(1, end - 1));
        p.remove_prefix(end + 1);
      } else {
        size_t sp = p.find(' ');
        name = std::string(p.substr(0, sp));
        p.remove_prefix(sp == std::string_view::npos ? p.size() : sp);
      }
      std::string sqltype = Unquote(p);
      for (auto& c : sqltype) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (sqltype.find("INT") != std::string::npos) {
        type = "N";
      } else if (sqltype == "NUMERIC" || sqltype == "REAL" || sqltype == "NUMBER") {
        type = "N";
      } else if (sqltype == "TEXT") {
        type = "S";
      } else if (sqltype == "BLOB") {
        type = "B";
      }
      add(name, type);
    }
  } else if (sample > 0) {
    Status s = SampleAttributes(t, sample);
    if (!s.ok()) return s;
    for (const auto& [name, type] : t->sampled_attributes) add(name, type);
  }
  // Every index's key attributes are columns whatever the sample saw (a
  // sparse index's key may be on one item in thousands) or the declaration
  // named, and every key attribute has its AttributeDefinitions type.
  for (const auto& [name, type] : IndexKeyAttributes(t->desc)) add(name, type);
  for (auto& c : cols) {
    if (std::string type = t->KeyType(c.attribute); !type.empty()) c.type = type;
  }
  for (const auto& [name, c] : codec_decls) add(name, "");
  std::vector<std::string> attributes;
  for (const auto& c : cols) attributes.push_back(c.attribute);
  std::vector<std::string> names = DistinctSqlNames(attributes, {"item"});
  std::map<std::string, RenamedGroup> groups;  // by folded name
  for (size_t i = 0; i < cols.size(); ++i) {
    cols[i].name = names[i];
    if (names[i] != cols[i].attribute) {
      groups[FoldCase(cols[i].attribute)].emplace_back(cols[i].attribute, names[i]);
    }
  }
  renamed->clear();
  for (auto& [folded, group] : groups) {
    std::sort(group.begin(), group.end());
    renamed->push_back(std::move(group));
  }
  cols.push_back({"item", "", "", true});
  t->item_column = static_cast<int>(cols.size()) - 1;
  t->columns = std::move(cols);
  return Status::OK();
}

// The warning for the columns BuildColumns renamed, one sentence a group:
// "attributes Name and name differ only in case, which SQL names do not
// tell apart: they are columns Name_1 and name_0".
std::string RenamedColumnsWarning(const std::string& table,
                                  const std::vector<RenamedGroup>& renamed) {
  std::string out;
  for (const auto& group : renamed) {
    out += out.empty() ? "table " + table + ": " : "; ";
    if (group.size() == 1) {
      out += "attribute " + group[0].first + " is column " + group[0].second +
             " (the column item is the whole item)";
      continue;
    }
    std::string attributes;
    std::string columns;
    for (size_t i = 0; i < group.size(); ++i) {
      const char* sep = i == 0 ? "" : i + 1 == group.size() ? " and " : ", ";
      attributes += sep + group[i].first;
      columns += sep + group[i].second;
    }
    out += "attributes " + attributes +
           " differ only in case, which SQL names do not tell apart: they are columns " + columns;
  }
  return out;
}

// Refuses codec declarations the table's keys cannot have (codec::Catalog).
Status CheckCodecKeys(const DdbTable& t,
                      const std::map<std::string, std::shared_ptr<const codec::Column>>& decls) {
  if (decls.empty()) return Status::OK();
  std::vector<std::string> keys = {t.desc.key.hash.name};
  if (t.desc.key.range) keys.push_back(t.desc.key.range->name);
  for (const auto& [name, c] : decls) {
    if (std::find(keys.begin(), keys.end(), name) == keys.end()) continue;
    if (!c->deterministic()) {
      return Status::InvalidArgument("table " + t.table + ", column " + name +
                                     ": a key attribute needs a deterministic codec without S3, "
                                     "not " +
                                     c->codec());
    }
    // Codecs without S3 store B: a key of type S or N cannot hold it.
    const std::string& type =
        name == t.desc.key.hash.name ? t.desc.key.hash.type : t.desc.key.range->type;
    if (type != "B") {
      return Status::InvalidArgument(
          "table " + t.table + ", column " + name + ": the key attribute is of DynamoDB type " +
          type + ", but its codec (" + c->codec() +
          ") stores binary (B) values; a key column can only have a codec when its type is B");
    }
  }
  return Status::OK();
}

// Indexes the declared codec columns (BuildColumns gave each a column) by
// column.
void AttachCodecs(DdbTable* t,
                  const std::map<std::string, std::shared_ptr<const codec::Column>>& decls) {
  if (decls.empty()) return;
  std::vector<std::shared_ptr<const codec::Column>> by_column(t->columns.size());
  for (const auto& [name, c] : decls) by_column[static_cast<size_t>(t->ColumnOf(name))] = c;
  t->codecs = std::make_unique<TableCodecs>(t->table, std::move(by_column));
  t->codec_source.codecs = t->codecs.get();
  t->codec_source.keys = {t->desc.key.hash.name};
  if (t->desc.key.range) t->codec_source.keys.push_back(t->desc.key.range->name);
  t->codec_source.session = &t->ctx->codecs();
  t->codec_source.connection = t->conn;
  t->codec_source.stats = &t->ctx->stats();
  t->codec_source.pending_object = [ctx = t->ctx](const std::string& uri) {
    return ctx->writes().PendingObject(uri);
  };
}

std::string CreateTableSql(const DdbTable& t) {
  std::string sql = "CREATE TABLE x(";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const Column& c = t.columns[i];
    if (i > 0) sql += ", ";
    sql += QuoteIdent(c.name);
    if (const codec::Column* cc = t.codecs ? t.codecs->At(static_cast<int>(i)) : nullptr) {
      sql += " " + std::string(codec::SqlDeclType(cc->type()));
    } else if (!c.attribute.empty() && !c.type.empty()) {
      sql += " ";
      sql += DeclaredType(c.type);
    }
    if (c.hidden) sql += " HIDDEN";
  }
  return sql + ")";
}

// ---------------------------------------------------------------------------
// xCreate / xConnect

// Contract: argv[0] module, argv[1] schema, argv[2] table name, argv[3..]
// the USING arguments. Describes the DynamoDB table (one DescribeTable), reads
// a sample page unless columns are declared, and declares the schema. Errors
// name the table. Creating does not create a DynamoDB table: it binds a name.
int DdbConnect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
               char** err) {
  auto* ctx = static_cast<ModuleContext*>(aux);
  auto t = std::make_unique<DdbTable>();
  std::memset(&t->base, 0, sizeof(t->base));
  t->ctx = ctx;
  t->conn = ctx->shared_connection();
  t->consistent = ctx->options().consistent_read;
  t->segments = ctx->options().scan_segments;
  std::string declared;
  std::string catalog;  // catalog= (codec columns of this table)
  int sample = ctx->options().sample_items;
  aws::Overrides overrides;
  bool other_connection = false;

  for (int i = 3; i < argc; ++i) {
    std::string_view arg = argv[i];
    size_t eq = arg.find('=');
    std::string key = eq == std::string_view::npos ? "" : Unquote(arg.substr(0, eq));
    std::string value = Unquote(eq == std::string_view::npos ? arg : arg.substr(eq + 1));
    if (key.empty() && i == 3) key = "table";
    if (key == "table") {
      t->table = value;
    } else if (key == "region") {
      overrides.region = value;
      other_connection = true;
    } else if (key == "endpoint") {
      overrides.endpoint_url = value;
      other_connection = true;
    } else if (key == "profile") {
      overrides.profile = value;
      other_connection = true;
    } else if (key == "consistent") {
      if (value != "1" && value != "0" && value != "true" && value != "false") {
        *err = sqlite3_mprintf("dynamodb(%s): consistent must be 1 or 0, not '%s'", argv[2],
                               value.c_str());
        return SQLITE_ERROR;
      }
      t->consistent = value == "1" || value == "true";
    } else if (key == "segments" || key == "sample") {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      long most = key == "segments" ? kMaxSegments : 10000;
      if (value.empty() || *end != '\0' || n < 0 || n > most) {
        *err = sqlite3_mprintf("dynamodb(%s): %s must be a whole number from 0 to %ld, not '%s'",
                               argv[2], key.c_str(), most, value.c_str());
        return SQLITE_ERROR;
      }
      (key == "segments" ? t->segments : sample) = static_cast<int>(n);
    } else if (key == "columns") {
      declared = value;
    } else if (key == "catalog") {
      catalog = value;
    } else {
      *err =
          sqlite3_mprintf("dynamodb(%s): unknown argument '%s'", argv[2], std::string(arg).c_str());
      return SQLITE_ERROR;
    }
  }
  if (t->table.empty()) t->table = argv[2];
  if (other_connection) {
    Status s = ctx->OpenConnection(overrides, &t->conn);
    if (!s.ok()) {
      *err = sqlite3_mprintf("table %s: %s", t->table.c_str(), s.ToString().c_str());
      return SQLITE_ERROR;
    }
  }

  // Codec declarations are checked before anything is sent.
  std::map<std::string, std::shared_ptr<const codec::Column>> codec_decls;
  Status s = TableCodecs::Collect(&ctx->codecs(), t->table, catalog, &codec_decls);
  if (!s.ok()) {
    *err = sqlite3_mprintf("%s", s.ToString().c_str());
    return SQLITE_ERROR;
  }
  // Only tables sampled the default way share the cache.
  bool cacheable = declared.empty() && sample == ctx->options().sample_items;
  std::string scope;
  std::vector<RenamedGroup> renamed;
  s = DescribeCached(t.get(), cacheable, &scope);
  if (s.ok()) s = CheckCodecKeys(*t, codec_decls);
  if (s.ok()) s = BuildColumns(t.get(), declared, sample, codec_decls, &renamed);
  if (s.ok()) {
    AttachCodecs(t.get(), codec_decls);
    EstimateTableStats(t->desc, t->sample_summary, &t->stats);
    t->stats.consistent = t->consistent;
    // A sample may miss attributes: a partial one, or a cached one (items
    // written since may hold new attributes).
    TableNotes notes;
    notes.sample_may_miss =
        declared.empty() && sample > 0 && (!t->sample_summary.complete || t->sampled_from_cache);
    notes.renamed = renamed;
    ctx->NoteTable(std::string(argv[1]) + "." + argv[2], std::move(notes));
    if (!renamed.empty()) ctx->Warn(RenamedColumnsWarning(t->table, renamed));
    if (!scope.empty()) {
      ctx->schema_cache().SaveTable(
          scope, t->table, CachedSchema{t->desc, t->sampled_attributes, t->sample_summary, 0});
    }
  }
  if (!s.ok()) {
    std::string msg = s.ToString();
    if (msg.find(t->table) == std::string::npos) msg = "table " + t->table + ": " + msg;
    *err = sqlite3_mprintf("%s", msg.c_str());
    return s.IsCancelled() ? SQLITE_INTERRUPT : SQLITE_ERROR;
  }
  int rc = sqlite3_declare_vtab(db, CreateTableSql(*t).c_str());
  if (rc != SQLITE_OK) {
    *err = sqlite3_mprintf("table %s: cannot declare columns: %s", t->table.c_str(),
                           sqlite3_errmsg(db));
    return rc;
  }
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
  t->schema = argv[1];
  std::vector<WriteColumn> write_columns;
  for (size_t i = 0; i < t->columns.size(); ++i) {
    const Column& c = t->columns[i];
    const codec::Column* codec_column = t->codecs ? t->codecs->At(static_cast<int>(i)) : nullptr;
    write_columns.push_back({c.name, c.attribute, c.type, codec_column});
  }
  t->writer = std::make_unique<TableWriter>(db, ctx, t->conn, t->table, t->desc.key,
                                            std::move(write_columns), t->item_column);
  *out = &t.release()->base;
  return SQLITE_OK;
}

// Contract: frees the table. Nothing is sent to DynamoDB.
int DdbDisconnect(sqlite3_vtab* vtab) {
  std::unique_ptr<DdbTable> t(reinterpret_cast<DdbTable*>(vtab));
  sqlite3_free(vtab->zErrMsg);
  return SQLITE_OK;
}

// ---------------------------------------------------------------------------
// xBestIndex

// Values an IN list is assumed to hold when planning (BatchGetItem, Query).
constexpr double kAssumedInValues = 3;

// The constraint op xFindFunction gives begins_with(col, prefix).
constexpr unsigned char kBeginsWithConstraint = SQLITE_INDEX_CONSTRAINT_FUNCTION;

// One usable constraint on a column, as SQLite offered it.
struct Offered {
  int index;  // in aConstraint
  int column;
  unsigned char op;
};

// A candidate access path: which constraints it consumes and what it costs.
struct Candidate {
  Plan plan;
  std::vector<std::pair<int, bool>> usage;  // (constraint index, omit), in argv order
  std::vector<int> in_all;                  // constraints to take as whole IN lists
  std::vector<int> omitted;                 // consumed exactly, without an argument
  double cost = 0;
  sqlite3_int64 rows = 0;
  bool unique = false;
};

KeyCondition::Op CondOpOf(unsigned char op) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_GT:
      return KeyCondition::Op::kGt;
    case SQLITE_INDEX_CONSTRAINT_GE:
      return KeyCondition::Op::kGe;
    case SQLITE_INDEX_CONSTRAINT_LT:
      return KeyCondition::Op::kLt;
    case SQLITE_INDEX_CONSTRAINT_LE:
      return KeyCondition::Op::kLe;
    default:
      return KeyCondition::Op::kEq;
  }
}

// Plans key access through `key` (the table's key schema when `index` is
// empty, else that index's); `fetch`: the index lacks attributes the
// statement needs, read afterwards with BatchGetItem (plan.h). Returns false
// when the hash key has no usable equality.
bool PlanKeyAccess(const DdbTable& t, sqlite3_index_info* info, const std::vector<Offered>& offered,
                   const std::string& index, const dynamodb::KeySchema& key, bool fetch,
                   Candidate* out) {
  int hash_col = t.ColumnOf(key.hash.name);
  int range_col = key.range ? t.ColumnOf(key.range->name) : -1;
  if (hash_col < 0) return false;
  const Offered* hash_eq = nullptr;
  const Offered* range_eq = nullptr;
  const Offered* lower = nullptr;
  const Offered* upper = nullptr;
  const Offered* prefix = nullptr;
  const Offered* range_not_null = nullptr;
  for (const auto& o : offered) {
    if (o.column == range_col && range_col >= 0 && o.op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL) {
      range_not_null = &o;
    }
    if (o.column == hash_col && o.op == SQLITE_INDEX_CONSTRAINT_EQ && !hash_eq) hash_eq = &o;
    if (range_col >= 0 && o.column == range_col) {
      if (o.op == SQLITE_INDEX_CONSTRAINT_EQ && !range_eq) range_eq = &o;
      if ((o.op == SQLITE_INDEX_CONSTRAINT_GT || o.op == SQLITE_INDEX_CONSTRAINT_GE) && !lower) {
        lower = &o;
      }
      if ((o.op == SQLITE_INDEX_CONSTRAINT_LT || o.op == SQLITE_INDEX_CONSTRAINT_LE) && !upper) {
        upper = &o;
      }
      // begins_with(sk, 'abc') and sk GLOB 'abc*' on a string sort key.
      // (LIKE is never used: it ignores case, begins_with does not.)
      if ((o.op == kBeginsWithConstraint || o.op == SQLITE_INDEX_CONSTRAINT_GLOB) &&
          key.range->type == "S" && !prefix) {
        prefix = &o;
      }
    }
  }
  if (!hash_eq) return false;
  // An index holds only the items that have its sort key: it can serve a
  // statement only when a condition on that key excludes the others (a
  // comparison, or `IS NOT NULL`, which the index then answers exactly).
  bool ranged = range_eq || lower || upper || prefix;
  if (!index.empty() && key.range && !ranged && !range_not_null) return false;

  Candidate c;
  if (!index.empty() && key.range && !ranged) c.omitted.push_back(range_not_null->index);
  c.plan.index = index;
  bool hash_in = sqlite3_vtab_in(info, hash_eq->index, -1) != 0;
  bool range_in = range_eq && sqlite3_vtab_in(info, range_eq->index, -1) != 0;
  int argv = 0;
  // Hash and sort key values compare the same in DynamoDB and SQLite for
  // equality, so those constraints are omitted (SQLite does not re-check).
  // Number ranges are re-checked: SQLite orders TEXT after numbers, and a
  // number too long for a double comes back as TEXT.
  auto add = [&](const Offered& o, KeyCondition::Op op, bool is_hash, bool omit) {
    KeyCondition kc;
    kc.attribute = is_hash ? key.hash.name : key.range->name;
    kc.op = op;
    kc.is_hash = is_hash;
    kc.argv = ++argv;
    c.plan.key.push_back(kc);
    c.usage.emplace_back(o.index, omit);
    if (op == KeyCondition::Op::kIn) c.in_all.push_back(o.index);
  };
  add(*hash_eq, hash_in ? KeyCondition::Op::kIn : KeyCondition::Op::kEq, true, true);
  bool range_omit = key.range && key.range->type != "N";
  if (index.empty() && (range_eq || !key.range)) {
    // The whole primary key: GetItem, or BatchGetItem for IN lists.
    if (range_eq)
      add(*range_eq, range_in ? KeyCondition::Op::kIn : KeyCondition::Op::kEq, false, true);
    bool batch = hash_in || range_in;
    c.plan.op = batch ? Plan::Op::kBatchGetItem : Plan::Op::kGetItem;
    c.cost = (batch ? BatchGetCost(t.stats, kAssumedInValues) : GetItemCost(t.stats)).Total();
    c.rows = batch ? static_cast<sqlite3_int64>(kAssumedInValues) : 1;
    c.unique = !batch;
    *out = std::move(c);
    return true;
  }
  c.plan.op = Plan::Op::kQuery;
  if (range_eq && !range_in) {
    add(*range_eq, KeyCondition::Op::kEq, false, true);
  } else {
    // Two bounds become BETWEEN, which includes both ends: an exclusive
    // bound is then re-checked by SQLite.
    bool two = lower && upper;
    if (lower) {
      add(*lower, CondOpOf(lower->op), false,
          range_omit && (!two || lower->op == SQLITE_INDEX_CONSTRAINT_GE));
    }
    if (upper) {
      add(*upper, CondOpOf(upper->op), false,
          range_omit && (!two || upper->op == SQLITE_INDEX_CONSTRAINT_LE));
    }
    // One sort key condition only: begins_with when there are no bounds.
    // SQLite re-checks it (a GLOB pattern may say more than its prefix).
    if (!lower && !upper && prefix) {
      add(*prefix,
          prefix->op == SQLITE_INDEX_CONSTRAINT_GLOB ? KeyCondition::Op::kGlob
                                                     : KeyCondition::Op::kBeginsWith,
          false, false);
    }
  }
  // Items read per partition: all of it, or the part the sort key keeps.
  double items = PartitionItems(t.stats, index);
  if (range_eq || prefix) {
    items *= kPrefixSelectivity;
  } else if (lower && upper) {
    items *= kRangeSelectivity * kRangeSelectivity * 3;
  } else if (lower || upper) {
    items *= kRangeSelectivity;
  }
  items = std::max(1.0, items);
  double partitions = hash_in ? kAssumedInValues : 1;
  c.plan.fetch = fetch;
  c.cost = (fetch ? IndexFetchCost(t.stats, index, partitions, items)
                  : QueryCost(t.stats, partitions, items, index))
               .Total();
  c.rows = static_cast<sqlite3_int64>(std::ceil(items * partitions));
  // ORDER BY the sort key: DynamoDB returns a partition in sort-key order.
  if (!hash_in && key.range && info->nOrderBy == 1 && info->aOrderBy[0].iColumn == range_col &&
      !(t.codecs && t.codecs->At(range_col))) {  // ciphertexts do not sort like values
    c.plan.order = info->aOrderBy[0].desc ? Plan::Order::kDesc : Plan::Order::kAsc;
  }
  *out = std::move(c);
  return true;
}

// Which attributes the statement needs (colUsed), or all.
void ChooseProjection(const DdbTable& t, sqlite3_index_info* info, Plan* plan) {
  sqlite3_uint64 used = info->colUsed;
  bool all = t.item_column < 0 || t.item_column >= 63 || (used & (1ULL << t.item_column)) != 0 ||
             (t.columns.size() > 63 && (used & (1ULL << 63)));
  plan->project_all = all;
  plan->project.clear();
  if (all) return;
  for (size_t i = 0; i < t.columns.size() && i < 63; ++i) {
    if ((used & (1ULL << i)) && !t.columns[i].attribute.empty()) {
      plan->project.push_back(t.columns[i].attribute);
    }
  }
  // Keys always come along: they identify the row and cost nothing extra.
  auto add = [&](const std::string& a) {
    if (std::find(plan->project.begin(), plan->project.end(), a) == plan->project.end()) {
      plan->project.push_back(a);
    }
  };
  add(t.desc.key.hash.name);
  if (t.desc.key.range) add(t.desc.key.range->name);
}

// True when entries of `index` hold `attribute`: ALL, a key of the table or
// the index, or an INCLUDE attribute.
bool IndexProjects(const DdbTable& t, const dynamodb::IndexDescription& index,
                   const std::string& a) {
  if (index.projection.type == "ALL") return true;
  bool key = a == t.desc.key.hash.name || (t.desc.key.range && a == t.desc.key.range->name) ||
             a == index.key.hash.name || (index.key.range && a == index.key.range->name);
  const auto& included = index.projection.non_key_attributes;
  return key || (index.projection.type == "INCLUDE" &&
                 std::find(included.begin(), included.end(), a) != included.end());
}

// True when `index` projects every attribute in `plan->project` (or ALL).
bool IndexCovers(const DdbTable& t, const dynamodb::IndexDescription& index, const Plan& plan) {
  if (index.projection.type == "ALL") return true;
  if (plan.project_all) return false;
  for (const auto& a : plan.project) {
    if (!IndexProjects(t, index, a)) return false;
  }
  return true;
}

// The rows `best` hands SQLite: what it reads, less what the other WHERE
// terms on this table will drop (cost.h selectivities).
sqlite3_int64 EstimateRows(const DdbTable& t, const std::vector<Offered>& offered,
                           const Candidate& best) {
  double rows = static_cast<double>(best.rows);
  for (const auto& o : offered) {
    bool consumed = false;
    for (const auto& u : best.usage) consumed |= u.first == o.index;
    if (consumed || o.column < 0 || o.column == t.item_column) continue;
    const std::string& a = t.columns[static_cast<size_t>(o.column)].attribute;
    switch (o.op) {
      case SQLITE_INDEX_CONSTRAINT_EQ:
      case SQLITE_INDEX_CONSTRAINT_IS:
        rows *= EqualitySelectivity(t.stats, a);
        break;
      case SQLITE_INDEX_CONSTRAINT_GT:
      case SQLITE_INDEX_CONSTRAINT_GE:
      case SQLITE_INDEX_CONSTRAINT_LT:
      case SQLITE_INDEX_CONSTRAINT_LE:
        rows *= kRangeSelectivity;
        break;
      case SQLITE_INDEX_CONSTRAINT_ISNULL:
      case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
        rows *= NullSelectivity(t.stats, a, o.op == SQLITE_INDEX_CONSTRAINT_ISNULL);
        break;
      case SQLITE_INDEX_CONSTRAINT_GLOB:
      case SQLITE_INDEX_CONSTRAINT_LIKE:
      case kBeginsWithConstraint:
        rows *= kPrefixSelectivity;
        break;
      default:
        break;
    }
  }
  return std::max<sqlite3_int64>(1, static_cast<sqlite3_int64>(std::ceil(rows)));
}

// Why an index whose partition key the statement fixes was not queried: its
// sort key is unconstrained, so it may lack items the statement can see.
std::string SparseIndexNote(const DdbTable& t, const std::vector<Offered>& offered) {
  for (const auto* list : {&t.desc.global_indexes, &t.desc.local_indexes}) {
    for (const auto& ix : *list) {
      if (!ix.key.range) continue;
      int hash_col = t.ColumnOf(ix.key.hash.name);
      bool hash_eq = false;
      for (const auto& o : offered) {
        hash_eq |= hash_col >= 0 && o.column == hash_col && o.op == SQLITE_INDEX_CONSTRAINT_EQ;
      }
      if (hash_eq) {
        return "sparse index: items without `" + ix.key.range->name + "` are not in " + ix.name;
      }
    }
  }
  return "";
}

// Contract: chooses the cheapest access that returns exactly the rows
// SQLite asks for: GetItem (whole key equal), BatchGetItem (IN lists on the
// key), Query (partition key equal, on the table or an index that projects
// what the statement uses), else Scan. Writes the Plan to idxStr (see
// plan.h for the argv order) and sets argvIndex/omit to match. Costs are
// cost.h's (round trips and read capacity, from DescribeTable's sizes); see
// plan.h "Cost model" for how SQLite weighs them in joins. Never touches
// the network.
int DdbBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  const auto* t = reinterpret_cast<DdbTable*>(vtab);
  std::vector<Offered> offered;
  int limit_index = -1;
  int offset_index = -1;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT) {
      if (c.usable) limit_index = i;
      continue;
    }
    if (c.op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
      if (c.usable) offset_index = i;
      continue;
    }
    if (!c.usable) continue;
    // Codec columns: only equality on a searchable (deterministic) codec.
    if (t->codecs && !t->codecs->Pushable(c.iColumn, c.op)) continue;
    // DynamoDB compares bytes: a constraint under another collation
    // (NOCASE, RTRIM) stays with SQLite.
    const char* coll = sqlite3_vtab_collation(info, i);
    if (coll && sqlite3_stricmp(coll, "BINARY") != 0 && c.op != SQLITE_INDEX_CONSTRAINT_ISNULL &&
        c.op != SQLITE_INDEX_CONSTRAINT_ISNOTNULL) {
      continue;
    }
    offered.push_back({i, c.iColumn, c.op});
  }

  Candidate best;
  best.plan.op = Plan::Op::kScan;
  ChooseProjection(*t, info, &best.plan);
  best.cost = ScanCost(t->stats).Total();
  best.rows = static_cast<sqlite3_int64>(std::ceil(t->stats.items));

  Candidate c;
  Plan projection = best.plan;
  auto consider = [&](Candidate cand) {
    if (cand.cost < best.cost) {
      cand.plan.project_all = projection.project_all;
      cand.plan.project = projection.project;
      best = std::move(cand);
    }
  };
  if (PlanKeyAccess(*t, info, offered, "", t->desc.key, false, &c)) consider(std::move(c));
  // An index that lacks attributes the statement uses is queried for keys
  // and the items fetched (fetch=BatchGetItem), when that costs less.
  std::string fetch_lost;  // such an index, when a Scan cost less
  for (const auto* list : {&t->desc.global_indexes, &t->desc.local_indexes}) {
    for (const auto& index : *list) {
      if (!index.status.empty() && index.status != "ACTIVE") continue;
      bool fetch = !IndexCovers(*t, index, projection);
      Candidate ic;
      if (!PlanKeyAccess(*t, info, offered, index.name, index.key, fetch, &ic)) continue;
      if (fetch && ic.cost >= best.cost) fetch_lost = index.name;
      consider(std::move(ic));
    }
  }

  for (size_t k = 0; k < best.usage.size(); ++k) {
    auto [index, omit] = best.usage[k];
    info->aConstraintUsage[index].argvIndex = static_cast<int>(k) + 1;
    info->aConstraintUsage[index].omit = omit ? 1 : 0;
  }
  for (int index : best.in_all) sqlite3_vtab_in(info, index, 1);
  int next_argv = static_cast<int>(best.usage.size());
  for (int index : best.omitted) {
    info->aConstraintUsage[index].omit = 1;
    best.usage.emplace_back(index, true);
  }
  if (best.plan.op == Plan::Op::kScan) best.plan.note = SparseIndexNote(*t, offered);
  if (best.plan.op == Plan::Op::kScan && best.plan.note.empty() && !fetch_lost.empty()) {
    best.plan.note =
        "a Query of " + fetch_lost + " and BatchGetItem of the attributes it lacks would cost more";
  }
  const dynamodb::IndexDescription* fetch_index =
      best.plan.fetch ? t->desc.FindIndex(best.plan.index) : nullptr;
  // Predicates on other columns go to DynamoDB as a FilterExpression (less
  // to transfer and decode; the read capacity is the same). IN lists stay
  // with SQLite: a constraint used here without sqlite3_vtab_in would make
  // SQLite run the whole scan once per value.
  if (best.plan.op == Plan::Op::kScan || best.plan.op == Plan::Op::kQuery) {
    for (const auto& o : offered) {
      bool used = false;
      for (const auto& u : best.usage) used |= u.first == o.index;
      if (used || o.column < 0 || o.column == t->item_column) continue;
      FilterCondition f;
      f.attribute = t->columns[static_cast<size_t>(o.column)].attribute;
      // An index Query's filter sees only what the index projects: on any
      // other attribute it would drop every item. With fetch= such a term
      // is left to SQLite, which checks it on the fetched items.
      if (fetch_index && !IndexProjects(*t, *fetch_index, f.attribute)) continue;
      // A Query's filter may not name the keys it queries by.
      if (best.plan.op == Plan::Op::kQuery) {
        const dynamodb::IndexDescription* ix = t->desc.FindIndex(best.plan.index);
        const dynamodb::KeySchema& k = ix ? ix->key : t->desc.key;
        if (f.attribute == k.hash.name || (k.range && f.attribute == k.range->name)) continue;
      }
      bool exact = false;  // IS [NOT] NULL is exactly DynamoDB's test
      // A value that changes from row to row of an outer loop (a join) is
      // not sent: the Scan is then the same on every row and is read once
      // (scan_cache.h); SQLite compares. Filters save transfer, not capacity.
      // An IN list on an encrypted column is the exception: its values are
      // only known in xFilter, and sending them is what makes it cheap.
      sqlite3_value* rhs = nullptr;
      bool codec_in = o.op == SQLITE_INDEX_CONSTRAINT_EQ && t->codecs && t->codecs->At(o.column) &&
                      sqlite3_vtab_in(info, o.index, -1);
      if (o.op != SQLITE_INDEX_CONSTRAINT_ISNULL && o.op != SQLITE_INDEX_CONSTRAINT_ISNOTNULL &&
          !codec_in && sqlite3_vtab_rhs_value(info, o.index, &rhs) != SQLITE_OK) {
        continue;
      }
      switch (o.op) {
        case SQLITE_INDEX_CONSTRAINT_EQ:
          if (sqlite3_vtab_in(info, o.index, -1)) {
            // An encrypted column's IN list becomes one FilterExpression.
            if (!t->codecs || !t->codecs->At(o.column)) continue;
            sqlite3_vtab_in(info, o.index, 1);
          }
          f.op = FilterCondition::Op::kEq;
          break;
        case SQLITE_INDEX_CONSTRAINT_GT:
          f.op = FilterCondition::Op::kGt;
          break;
        case SQLITE_INDEX_CONSTRAINT_GE:
          f.op = FilterCondition::Op::kGe;
          break;
        case SQLITE_INDEX_CONSTRAINT_LT:
          f.op = FilterCondition::Op::kLt;
          break;
        case SQLITE_INDEX_CONSTRAINT_LE:
          f.op = FilterCondition::Op::kLe;
          break;
        case SQLITE_INDEX_CONSTRAINT_GLOB:
          f.op = FilterCondition::Op::kGlob;
          break;
        case SQLITE_INDEX_CONSTRAINT_ISNULL:
          f.op = FilterCondition::Op::kIsNull;
          exact = true;
          break;
        case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
          f.op = FilterCondition::Op::kIsNotNull;
          exact = true;
          break;
        default:
          continue;
      }
      if (exact && fetch_index) {
        // Tested on the index entry, and the fetched item may have changed
        // since: SQLite tests the row again.
      } else if (exact) {
        info->aConstraintUsage[o.index].omit = 1;
        best.usage.emplace_back(o.index, true);  // consumed, no argv
      } else {
        f.argv = ++next_argv;
        info->aConstraintUsage[o.index].argvIndex = f.argv;
      }
      best.plan.filter.push_back(std::move(f));
    }
  }
  // What is not consumed exactly is filtered by SQLite after us, so a LIMIT
  // may only be pushed when nothing is.
  bool all_omittable = true;  // every WHERE term consumed exactly
  for (const auto& o : offered) {
    bool consumed = false;
    for (const auto& u : best.usage) consumed |= u.first == o.index && u.second;
    if (!consumed) all_omittable = false;
  }
  if (best.plan.order != Plan::Order::kNone) info->orderByConsumed = 1;
  bool order_ok = info->nOrderBy == 0 || info->orderByConsumed;
  if (limit_index >= 0 && all_omittable && order_ok && best.plan.op != Plan::Op::kGetItem) {
    info->aConstraintUsage[limit_index].argvIndex = ++next_argv;
    best.plan.limit_argv = next_argv;
    if (offset_index >= 0) {
      info->aConstraintUsage[offset_index].argvIndex = ++next_argv;
      best.plan.offset_argv = next_argv;
    }
  }
  info->idxNum = static_cast<int>(best.plan.op);
  std::string s = best.plan.ToString();
  info->idxStr = sqlite3_mprintf("%s", s.c_str());
  info->needToFreeIdxStr = 1;
  info->estimatedCost = best.cost;
  info->estimatedRows = EstimateRows(*t, offered, best);
  if (best.unique) info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
  return SQLITE_OK;
}

// ---------------------------------------------------------------------------
// Page sources

// Produces the items of one scan, a page at a time.
class PageSource {
 public:
  virtual ~PageSource() = default;
  // Fills `page` with the next page; `*done` when there are no more after it.
  virtual Status Next(ItemPage* page, bool* done) = 0;
};

// The items fetched in one go (GetItem, BatchGetItem).
class FixedSource : public PageSource {
 public:
  explicit FixedSource(ItemPage page) : page_(std::move(page)) {}
  Status Next(ItemPage* page, bool* done) override {
    *page = std::move(page_);
    *done = true;
    return Status::OK();
  }

 private:
  ItemPage page_;
};

struct PageResult {
  Status status;
  ItemPage page;
};

// What every page request passes on its way out: the session's read
// capacity limit (.ratelimit), and Ctrl-C while waiting for it.
struct RequestGate {
  RateLimiter* limiter = nullptr;
  aws::HttpClient* http = nullptr;
  uint64_t cancel_generation = 0;
  // Set when the cursor closes: a prefetch still waiting for its turn under
  // the rate limit is not sent (no capacity spent on rows nobody reads).
  std::shared_ptr<std::atomic<bool>> closed = std::make_shared<std::atomic<bool>>(false);

  // Runs `request` (a Query or Scan of one page) within the limit.
  template <typename Fn>
  PageResult Run(Fn request) const {
    PageResult r;
    bool go = limiter->Acquire(
        [this] { return closed->load() || http->cancel_generation() != cancel_generation; });
    if (!go || closed->load()) {
      r.status = Status::Cancelled();
      return r;
    }
    r.status = request(&r.page);
    if (r.status.ok()) limiter->Consume(r.page.consumed_capacity);
    return r;
  }
};

// Query pages, one request ahead: when a page arrives the next is requested
// at once, so DynamoDB works while SQLite consumes.
class QuerySource : public PageSource {
 public:
  QuerySource(dynamodb::DynamoDbClient* client, RequestGate gate,
              std::vector<dynamodb::QueryRequest> requests)
      : client_(client), gate_(gate), requests_(std::move(requests)) {
    // Rows are decoded as far as SQLite reads them (see DdbColumn).
    for (auto& r : requests_) r.keep_item_text = true;
    Launch();
  }
  ~QuerySource() override {
    gate_.closed->store(true);
    if (pending_.valid()) pending_.wait();
  }
  Status Next(ItemPage* page, bool* done) override {
    PageResult r = pending_.get();
    if (!r.status.ok()) return r.status;
    *page = std::move(r.page);
    if (!page->last_evaluated_key.empty()) {
      requests_[current_].exclusive_start_key = page->last_evaluated_key;
    } else {
      ++current_;
    }
    *done = current_ >= requests_.size();
    if (!*done) Launch();
    return Status::OK();
  }

 private:
  void Launch() {
    dynamodb::QueryRequest req = requests_[current_];
    pending_ =
        std::async(std::launch::async, [client = client_, gate = gate_, req = std::move(req)] {
          return gate.Run([&](ItemPage* page) { return client->Query(req, page); });
        });
  }

  dynamodb::DynamoDbClient* client_;
  RequestGate gate_;
  std::vector<dynamodb::QueryRequest> requests_;
  size_t current_ = 0;
  std::future<PageResult> pending_;
};

// Index entries fetched together: the first time one BatchGetItem request
// (a LIMIT or EXISTS may need no more), then 8 requests in flight.
constexpr size_t kFirstFetchKeys = 100;
constexpr size_t kFetchKeys = 800;

// A Query of an index that lacks attributes the statement needs, then
// BatchGetItem of the table's items for the keys it found (plan.h,
// fetch=BatchGetItem). Each page handed out holds the items of up to
// kFetchKeys index entries in the index's order (index_fetch.h); the next is
// fetched while the current one is consumed, unless `cap` (the rows a
// pushed LIMIT still allows, -1 none) is already met. Counts its own
// requests, pages and capacity in `stats` (the cursor does not): the
// index's pages as Query pages, the fetched items as the items returned.
class FetchSource : public PageSource {
 public:
  FetchSource(dynamodb::DynamoDbClient* client, RequestGate gate, std::unique_ptr<PageSource> index,
              dynamodb::BatchGetRequest fetch, dynamodb::KeySchema table_key,
              dynamodb::KeySchema index_key, Stats* stats, sqlite3_int64 cap)
      : client_(client),
        gate_(gate),
        index_(std::move(index)),
        fetch_(std::move(fetch)),
        table_key_(std::move(table_key)),
        index_key_(std::move(index_key)),
        stats_(stats),
        remaining_(cap) {
    Launch();
  }
  ~FetchSource() override {
    gate_.closed->store(true);
    if (pending_.valid()) pending_.wait();
  }
  Status Next(ItemPage* page, bool* done) override {
    PageResult r = pending_.get();
    if (!r.status.ok()) return r.status;
    *page = std::move(r.page);
    if (remaining_ > 0) {
      remaining_ -= std::min(remaining_, static_cast<sqlite3_int64>(page->items.size()));
    }
    *done = (index_done_ && entries_.empty()) || remaining_ == 0;
    if (!*done) Launch();
    return Status::OK();
  }

 private:
  void Launch() {
    pending_ = std::async(std::launch::async, [this] { return FetchChunk(); });
  }

  // Runs on the prefetch thread, one at a time: Next waits for it first.
  PageResult FetchChunk() {
    PageResult r;
    size_t want = first_ ? kFirstFetchKeys : kFetchKeys;
    first_ = false;
    if (remaining_ > 0) want = std::min(want, static_cast<size_t>(remaining_));
    while (entries_.size() < want && !index_done_) {
      ItemPage page;
      r.status = index_->Next(&page, &index_done_);
      if (!r.status.ok()) return r;
      stats_->query++;
      stats_->pages++;
      stats_->items_scanned += static_cast<uint64_t>(std::max<int64_t>(page.scanned_count, 0));
      stats_->capacity_milli += static_cast<uint64_t>(std::llround(page.consumed_capacity * 1000));
      for (auto& item : page.items) entries_.push_back(std::move(item));
      for (std::string_view text : page.item_texts) {
        Item entry;
        r.status = dynamodb::ItemFromWireJsonText(text, &entry);
        if (!r.status.ok()) return r;
        entries_.push_back(std::move(entry));
      }
    }
    size_t take = std::min(want, entries_.size());
    std::vector<Item> chunk(std::make_move_iterator(entries_.begin()),
                            std::make_move_iterator(entries_.begin() + static_cast<long>(take)));
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<long>(take));
    dynamodb::BatchGetRequest req = fetch_;
    r.status = FetchKeys(table_key_, chunk, &req.keys);
    if (!r.status.ok() || req.keys.empty()) return r;
    dynamodb::BatchGetResult res;
    r = gate_.Run([&](ItemPage* page) {
      Status s = client_->BatchGetItem(req, &res);
      page->consumed_capacity = res.consumed_capacity;
      return s;
    });
    uint64_t requests = (req.keys.size() + 99) / 100;
    stats_->batch_get_item += requests;
    stats_->requests += requests;
    stats_->capacity_milli += static_cast<uint64_t>(std::llround(res.consumed_capacity * 1000));
    if (!r.status.ok()) return r;
    stats_->items_returned += res.items.size();
    r.page.items = MatchFetched(table_key_, index_key_, chunk, std::move(res.items));
    r.page.count = r.page.scanned_count = static_cast<int64_t>(r.page.items.size());
    return r;
  }

  dynamodb::DynamoDbClient* client_;
  RequestGate gate_;
  std::unique_ptr<PageSource> index_;
  dynamodb::BatchGetRequest fetch_;  // all but the keys
  dynamodb::KeySchema table_key_;
  dynamodb::KeySchema index_key_;
  Stats* stats_;
  sqlite3_int64 remaining_;
  // Index entries read and not yet fetched; the index has no more.
  std::vector<Item> entries_;
  bool index_done_ = false;
  bool first_ = true;
  std::future<PageResult> pending_;
};

// A parallel Scan: every segment has one page request in flight; pages are
// handed out as they complete (rows of a Scan have no order).
class ScanSource : public PageSource {
 public:
  ScanSource(dynamodb::DynamoDbClient* client, RequestGate gate, const dynamodb::ScanRequest& base,
             int segments)
      : client_(client), gate_(gate) {
    for (int i = 0; i < segments; ++i) {
      Segment s;
      s.request = base;
      s.request.keep_item_text = true;  // as in QuerySource
      if (segments > 1) {
        s.request.segment = i;
        s.request.total_segments = segments;
      }
      segments_.push_back(std::move(s));
    }
    live_ = segments_.size();
    for (auto& s : segments_) Launch(&s);
  }
  ~ScanSource() override {
    gate_.closed->store(true);
    for (auto& s : segments_) {
      if (s.pending.valid()) s.pending.wait();
    }
  }
  Status Next(ItemPage* page, bool* done) override {
    // Take whichever live segment has finished first, starting after the
    // last one served so that no segment starves.
    Segment* ready = nullptr;
    for (int round = 0; !ready; ++round) {
      for (size_t k = 0; k < segments_.size() && !ready; ++k) {
        Segment& s = segments_[(next_ + k) % segments_.size()];
        if (s.finished) continue;
        auto wait = round == 0 ? std::chrono::microseconds(0) : std::chrono::microseconds(200);
        if (s.pending.wait_for(wait) == std::future_status::ready) {
          ready = &s;
          next_ = (next_ + k + 1) % segments_.size();
        }
      }
    }
    PageResult r = ready->pending.get();
    if (!r.status.ok()) return r.status;
    *page = std::move(r.page);
    if (page->last_evaluated_key.empty()) {
      ready->finished = true;
      --live_;
    } else {
      ready->request.exclusive_start_key = page->last_evaluated_key;
      Launch(ready);
    }
    *done = live_ == 0;
    return Status::OK();
  }

 private:
  struct Segment {
    dynamodb::ScanRequest request;
    std::future<PageResult> pending;
    bool finished = false;
  };
  void Launch(Segment* s) {
    dynamodb::ScanRequest req = s->request;
    s->pending =
        std::async(std::launch::async, [client = client_, gate = gate_, req = std::move(req)] {
          return gate.Run([&](ItemPage* page) { return client->Scan(req, page); });
        });
  }

  dynamodb::DynamoDbClient* client_;
  RequestGate gate_;
  std::vector<Segment> segments_;
  size_t live_ = 0;
  size_t next_ = 0;
};

// A scan's pages with the open transaction's own writes laid over them
// (inside BEGIN; vtab/transaction.h): the items the transaction writes are
// dropped from DynamoDB's pages, and those it puts or updates that the plan
// selects (`pending`: matched as a lookup from a copy is, on the plan's key
// conditions, index and exact filters) are added, first when the plan has
// no order, else merged into DynamoDB's pages in the sort key's order. What
// the plan leaves to SQLite, SQLite checks on these rows as on the others.
// Pages come out as item texts.
class PendingSource : public PageSource {
 public:
  struct Row {
    AttributeValue order;  // the sort key's value when the plan has an order
    std::string text;
  };
  PendingSource(std::unique_ptr<PageSource> inner, std::shared_ptr<const TableView> view,
                std::vector<std::string> key_names, std::vector<Row> pending,
                std::string order_attribute, bool descending)
      : inner_(std::move(inner)),
        view_(std::move(view)),
        key_names_(std::move(key_names)),
        pending_(std::move(pending)),
        order_attribute_(std::move(order_attribute)),
        descending_(descending) {}

  Status Next(ItemPage* page, bool* done) override {
    ItemPage in;
    bool in_done = true;
    Status s = inner_->Next(&in, &in_done);
    if (!s.ok()) return s;
    std::vector<std::string> texts;
    if (order_attribute_.empty()) {
      while (next_ < pending_.size()) texts.push_back(std::move(pending_[next_++].text));
    }
    auto add = [&](std::string text) -> Status {
      dynamodb::CheckedItemAttributes attrs;
      attrs.Reset(text);
      Item key;
      for (const auto& name : key_names_) {
        std::string_view wire;
        bool found = false;
        Status st = attrs.Find(name, &wire, &found);
        if (st.ok() && found) st = dynamodb::FromWireJsonText(wire, &key[name]);
        if (!st.ok()) return st;
      }
      if (view_->keys.count(KeyId(key))) return Status::OK();  // as the transaction has it
      if (!order_attribute_.empty()) {
        std::string_view wire;
        bool found = false;
        AttributeValue v;
        Status st = attrs.Find(order_attribute_, &wire, &found);
        if (st.ok() && found) st = dynamodb::FromWireJsonText(wire, &v);
        if (!st.ok()) return st;
        while (next_ < pending_.size() && Before(pending_[next_].order, v)) {
          texts.push_back(std::move(pending_[next_++].text));
        }
      }
      texts.push_back(std::move(text));
      return Status::OK();
    };
    for (const auto& item : in.items) {
      s = add(dynamodb::ItemToWireJson(item).dump());
      if (!s.ok()) return s;
    }
    for (auto text : in.item_texts) {
      s = add(std::string(text));
      if (!s.ok()) return s;
    }
    if (in_done) {
      while (next_ < pending_.size()) texts.push_back(std::move(pending_[next_++].text));
    }
    *page = PageOfTexts(texts);
    // What DynamoDB returned and consumed, for .stats.
    page->count = in.count;
    page->scanned_count = in.scanned_count;
    page->consumed_capacity = in.consumed_capacity;
    page->last_evaluated_key = std::move(in.last_evaluated_key);
    *done = in_done;
    return Status::OK();
  }

  // Whether a pending row with sort key `a` comes before DynamoDB's `b`.
  bool Before(const AttributeValue& a, const AttributeValue& b) const {
    int c = CompareKeyValues(a, b);
    return descending_ ? c > 0 : c < 0;
  }

 private:
  std::unique_ptr<PageSource> inner_;
  std::shared_ptr<const TableView> view_;
  std::vector<std::string> key_names_;
  std::vector<Row> pending_;
  size_t next_ = 0;
  std::string order_attribute_;
  bool descending_;
};

}  // namespace
}  // namespace ddb::vtab

namespace ddb::vtab {
namespace {

// ---------------------------------------------------------------------------
// Cursor

// A scan in progress. `base` must come first.
struct DdbCursor {
  sqlite3_vtab_cursor base;
  std::unique_ptr<PageSource> source;
  ItemPage page;
  size_t pos = 0;
  bool source_done = true;
  bool eof = true;
  sqlite3_int64 cap = -1;  // rows still allowed by a pushed LIMIT; -1 none
  // ORDER BY a number sort key served in DynamoDB's order. SQLite orders a
  // number too long for a double (TEXT in SQL) after every number, so with
  // ascending order such items are held back and come last, sorted as text;
  // with descending order they would have had to come first: an error.
  Plan::Op op = Plan::Op::kScan;
  bool counted_by_source = false;  // FetchSource counts its own requests
  bool whole_item = true;          // no projection: the writer may rely on absent attributes
  std::string order_attribute;
  Plan::Order order = Plan::Order::kNone;
  std::vector<Item> deferred;
  bool deferred_flushed = false;
  // Rows come from a copy this statement already read (scan_cache.h); or,
  // when read from DynamoDB, are kept by `recorder` for a repeat.
  bool from_copy = false;
  std::unique_ptr<ScanCache::Recorder> recorder;
  // The current row of a page of item texts, decoded as far as needed:
  // its attributes found by name (for columns), or the whole Item (for the
  // rowid and sort keys). `*_pos` says which row they belong to; kNoRow:
  // none. `codecs` holds the decoded codec values of the page.
  static constexpr size_t kNoRow = SIZE_MAX;
  dynamodb::CheckedItemAttributes row_attributes;
  size_t row_attributes_pos = kNoRow;
  Item row_item;
  size_t row_item_pos = kNoRow;
  CursorCodecs codecs;
};

DdbTable* TableOf(sqlite3_vtab_cursor* cur) { return reinterpret_cast<DdbTable*>(cur->pVtab); }

// Contract: allocates an idle cursor; nothing is fetched until xFilter.
int DdbOpen(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  reinterpret_cast<DdbTable*>(vtab)->ctx->scan_cache().CursorOpened();
  auto c = std::make_unique<DdbCursor>();
  std::memset(&c->base, 0, sizeof(c->base));
  *out = &c.release()->base;
  return SQLITE_OK;
}

// Contract: frees the cursor, waiting for any page request still in flight.
int DdbClose(sqlite3_vtab_cursor* cur) {
  ScanCache& cache = TableOf(cur)->ctx->scan_cache();
  cache.SetInactive(cur);
  std::unique_ptr<DdbCursor>(reinterpret_cast<DdbCursor*>(cur)).reset();
  cache.CursorClosed();  // the last cursor drops the statement's copies
  return SQLITE_OK;
}

// Rows in a page: items decoded, or kept as text.
size_t PageRows(const ItemPage& page) { return page.items.size() + page.item_texts.size(); }

// Replaces the cursor's page; the row caches belonged to the old one.
void SetPage(DdbCursor* c, ItemPage page) {
  c->page = std::move(page);
  c->pos = 0;
  c->row_attributes_pos = DdbCursor::kNoRow;
  c->row_item_pos = DdbCursor::kNoRow;
  c->codecs.NewPage();
}

// The current row as an Item, decoding it if the page holds text.
Status CurrentItem(DdbCursor* c, const Item** item) {
  if (c->page.item_texts.empty()) {
    *item = &c->page.items[c->pos];
    return Status::OK();
  }
  if (c->row_item_pos != c->pos) {
    c->row_item_pos = DdbCursor::kNoRow;
    Status s = dynamodb::ItemFromWireJsonText(c->page.item_texts[c->pos], &c->row_item);
    if (!s.ok()) return s;
    c->row_item_pos = c->pos;
  }
  *item = &c->row_item;
  return Status::OK();
}

// The wire JSON of attribute `name` of the current row of a page of item
// texts, found without decoding the rest of the item.
Status FindRowAttribute(DdbCursor* c, const std::string& name, std::string_view* value,
                        bool* found) {
  if (c->row_attributes_pos != c->pos) {
    c->row_attributes.Reset(c->page.item_texts[c->pos]);
    c->row_attributes_pos = c->pos;
  }
  return c->row_attributes.Find(name, value, found);
}

void CountPage(Stats& stats, const ItemPage& page, Plan::Op op) {
  // GetItem and BatchGetItem are counted when sent; a Query or Scan page is
  // one request each.
  if (op == Plan::Op::kScan) stats.scan++;
  if (op == Plan::Op::kQuery) stats.query++;
  stats.pages++;
  stats.items_returned += static_cast<uint64_t>(std::max<int64_t>(page.count, 0));
  stats.items_scanned += static_cast<uint64_t>(std::max<int64_t>(page.scanned_count, 0));
  stats.capacity_milli += static_cast<uint64_t>(std::llround(page.consumed_capacity * 1000));
}

// True when the sort-key number of `item` is TEXT in SQL (see values.h).
bool SortKeyIsText(const DdbCursor& c, const Item& item) {
  auto it = item.find(c.order_attribute);
  if (it == item.end() || it->second.type() != AttributeValue::Type::kN) return false;
  return dynamodb::ClassifyNumber(it->second.scalar(), dynamodb::DoubleRule::kShortestRoundTrip)
             .kind == dynamodb::NumberClass::Kind::kText;
}

// Moves to the next row to return: past pages left empty by a filter, and
// past sort keys held back for the end (see DdbCursor::order_attribute).
Status Advance(DdbCursor* c, Stats& stats) {
  for (;;) {
    while (c->pos >= PageRows(c->page)) {
      if (c->cap == 0) {
        c->eof = true;
        return Status::OK();
      }
      if (c->source_done) {
        if (c->deferred.empty() || c->deferred_flushed) {
          c->eof = true;
          return Status::OK();
        }
        // The held-back TEXT sort keys, in SQLite's text order.
        const std::string& a = c->order_attribute;
        std::sort(c->deferred.begin(), c->deferred.end(), [&a](const Item& x, const Item& y) {
          return x.find(a)->second.scalar() < y.find(a)->second.scalar();
        });
        ItemPage held;
        held.items = std::move(c->deferred);
        SetPage(c, std::move(held));
        c->deferred.clear();
        c->deferred_flushed = true;
        continue;
      }
      SetPage(c, ItemPage());
      Status s = c->source->Next(&c->page, &c->source_done);
      if (!s.ok()) return s;
      if (!c->from_copy && !c->counted_by_source) CountPage(stats, c->page, c->op);
      if (c->recorder) {
        c->recorder->Add(c->page);
        if (c->source_done) {
          c->recorder->Finish();
          c->recorder.reset();
        }
      }
    }
    if (c->order_attribute.empty() || c->deferred_flushed) break;
    if (!c->page.item_texts.empty()) {
      // Most sort keys are plain numbers: the item is decoded only if not.
      std::string_view key;
      bool found;
      Status s = FindRowAttribute(c, c->order_attribute, &key, &found);
      if (!s.ok()) return s;
      AttributeValue v;
      if (found) s = dynamodb::FromWireJsonText(key, &v);
      if (!s.ok()) return s;
      // As SortKeyIsText decides.
      if (!found || v.type() != AttributeValue::Type::kN ||
          dynamodb::ClassifyNumber(v.scalar(), dynamodb::DoubleRule::kShortestRoundTrip).kind !=
              dynamodb::NumberClass::Kind::kText) {
        break;
      }
    }
    const Item* item = nullptr;
    Status s = CurrentItem(c, &item);
    if (!s.ok()) return s;
    if (!SortKeyIsText(*c, *item)) break;
    if (c->order == Plan::Order::kDesc) {
      return Status::NotSupported(
          "ORDER BY " + c->order_attribute + " DESC: sort key " +
          item->find(c->order_attribute)->second.scalar() +
          " has more digits than SQLite orders as a number, so DynamoDB's order is not "
          "SQLite's; sort with ORDER BY " +
          c->order_attribute + "+0 DESC instead");
    }
    if (item == &c->row_item) {
      c->deferred.push_back(std::move(c->row_item));
      c->row_item_pos = DdbCursor::kNoRow;
    } else {
      c->deferred.push_back(std::move(c->page.items[c->pos]));
    }
    ++c->pos;
  }
  c->eof = false;
  return Status::OK();
}

// The key attributes of the table and of an index, without repeats.
std::vector<std::string> KeyAttributes(const dynamodb::KeySchema& table,
                                       const dynamodb::KeySchema& index) {
  std::vector<std::string> out;
  for (const auto* k : {&table.hash, table.range ? &*table.range : nullptr, &index.hash,
                        index.range ? &*index.range : nullptr}) {
    if (k && std::find(out.begin(), out.end(), k->name) == out.end()) out.push_back(k->name);
  }
  return out;
}

std::string ProjectionExpression(const Plan& plan, dynamodb::NameMap* names) {
  if (plan.project_all) return "";
  std::string expr;
  for (const auto& a : plan.project) {
    std::string placeholder = "#p" + std::to_string(names->size());
    (*names)[placeholder] = a;
    if (!expr.empty()) expr += ", ";
    expr += placeholder;
  }
  return expr;
}

// True when `v` is a number once NUMERIC affinity has applied ('1e300' too).
bool NumericUnderAffinity(sqlite3_value* v) {
  int t = sqlite3_value_type(v);
  if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) return true;
  if (t != SQLITE_TEXT) return false;
  sqlite3_value* copy = sqlite3_value_dup(v);
  int nt = sqlite3_value_numeric_type(copy);
  sqlite3_value_free(copy);
  return nt == SQLITE_INTEGER || nt == SQLITE_FLOAT;
}

// Calls `fn` with each value of argument `argv` (1-based): one, or every
// value of an IN list. An IN list's values live only until the next one is
// fetched, so `fn` must copy what it keeps.
template <typename Fn>
void ForEachArgValue(const KeyCondition& k, sqlite3_value** argv, Fn fn) {
  sqlite3_value* v = argv[k.argv - 1];
  if (k.op != KeyCondition::Op::kIn) {
    fn(v);
    return;
  }
  sqlite3_value* x = nullptr;
  for (int rc = sqlite3_vtab_in_first(v, &x); rc == SQLITE_OK && x;
       rc = sqlite3_vtab_in_next(v, &x)) {
    fn(x);
  }
}

// ---------------------------------------------------------------------------
// FilterExpression

// Builds a FilterExpression that keeps every item SQLite could keep for the
// plan's filter predicates. SQLite's rules differ from DynamoDB's: the
// column's affinity converts the SQL value first, values of different
// storage classes order NULL < numbers < TEXT < BLOB, and an N with more
// digits than a double holds is TEXT in SQL. So each predicate becomes "the
// DynamoDB comparison OR the item holds a type the comparison cannot judge",
// and SQLite re-checks the rows (all but IS [NOT] NULL, which are exact).
class FilterBuilder {
 public:
  // Adds `f` with SQL value `v` (nullptr for IS [NOT] NULL) on a column
  // whose DynamoDB type is `column_type`. Returns false when no row can
  // match (a comparison with NULL).
  bool Add(const FilterCondition& f, sqlite3_value* v, const std::string& column_type) {
    // DynamoDB rejects a name placeholder no expression uses: register it
    // only when a predicate is written (Part() does, on "#?").
    std::string a = "#?";
    pending_name_ = f.attribute;
    if (f.op == FilterCondition::Op::kIsNull) {
      Part("(attribute_not_exists(" + a + ") OR attribute_type(" + a + ", " + Type("NULL") + "))");
      return true;
    }
    if (f.op == FilterCondition::Op::kIsNotNull) {
      Part("(attribute_exists(" + a + ") AND NOT attribute_type(" + a + ", " + Type("NULL") + "))");
      return true;
    }
    if (sqlite3_value_type(v) == SQLITE_NULL) return false;
    // Apply the column's affinity as SQLite's comparison will.
    sqlite3_value* x = sqlite3_value_dup(v);
    bool text_affinity = column_type == "S" || column_type == "M" || column_type == "L" ||
                         column_type == "SS" || column_type == "NS" || column_type == "BS";
    bool numeric_affinity = column_type == "N" || column_type == "BOOL";
    int storage = sqlite3_value_type(x);
    if (text_affinity && (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT)) {
      sqlite3_value_text(x);  // converts in place, as the comparison would
      storage = SQLITE_TEXT;
    } else if (numeric_affinity && storage == SQLITE_TEXT) {
      storage = sqlite3_value_numeric_type(x);
    }
    if (f.op == FilterCondition::Op::kGlob) storage = SQLITE_TEXT;  // GLOB compares text
    bool ok = AddTyped(f, x, storage, a, numeric_affinity);
    sqlite3_value_free(x);
    return ok;
  }

  // `attribute` equals one of `values` exactly: the encoded literals of
  // equality on a codec column (SQLite re-checks the decoded values).
  void AddEqualsOneOf(const std::string& attribute, std::vector<AttributeValue> values) {
    pending_name_ = attribute;
    std::string list;
    for (auto& v : values) list += (list.empty() ? "" : ", ") + Value(std::move(v));
    Part(values.size() == 1 ? "#? = " + list : "#? IN (" + list + ")");
  }

  std::string expression() const { return expr_; }
  dynamodb::NameMap& names() { return names_; }
  dynamodb::AttributeMap& values() { return values_; }

 private:
  bool AddTyped(const FilterCondition& f, sqlite3_value* x, int storage, const std::string& a,
                bool numeric_affinity) {
    using Op = FilterCondition::Op;
    const char* cmp = f.op == Op::kEq   ? "="
                      : f.op == Op::kGt ? ">"
                      : f.op == Op::kGe ? ">="
                      : f.op == Op::kLt ? "<"
                                        : "<=";
    bool below = f.op == Op::kLt || f.op == Op::kLe;
    if (storage == SQLITE_TEXT) {
      const char* p = reinterpret_cast<const char*>(sqlite3_value_text(x));
      std::string text(p, static_cast<size_t>(sqlite3_value_bytes(x)));  // may hold NULs
      if (f.op == Op::kGlob) {
        std::string prefix = text.substr(0, text.find_first_of("*?["));
        if (prefix.empty()) return true;  // nothing DynamoDB can test
        Part("(begins_with(" + a + ", " + Value(AttributeValue::S(prefix)) +
             ") OR NOT attribute_type(" + a + ", " + Type("S") + "))");
        return true;
      }
      // Strings compare as DynamoDB does (bytes); every other type is
      // either always below or always above TEXT, or is TEXT only in SQL.
      Part("(" + a + " " + cmp + " " + Value(AttributeValue::S(text)) + " OR NOT attribute_type(" +
           a + ", " + Type("S") + "))");
      return true;
    }
    if (storage == SQLITE_BLOB) {
      std::string bytes(static_cast<const char*>(sqlite3_value_blob(x)),
                        static_cast<size_t>(sqlite3_value_bytes(x)));
      std::string cond = a + " " + cmp + " " + Value(AttributeValue::B(bytes));
      // BLOBs sort above everything: below a BLOB is any other type too.
      if (below) cond = "(" + cond + " OR NOT attribute_type(" + a + ", " + Type("B") + "))";
      Part(cond);
      return true;
    }
    // A number. In a NUMERIC column SQLite compares an N too long for a
    // double (TEXT in SQL) as the nearest double, so bounds are widened to
    // the neighbouring doubles; in a column without affinity that TEXT sorts
    // above every number, so `>` cannot be sent there at all.
    double d = storage == SQLITE_INTEGER ? static_cast<double>(sqlite3_value_int64(x))
                                         : sqlite3_value_double(x);
    std::string lo = ShortestDouble(std::nextafter(d, -HUGE_VAL));
    std::string hi = ShortestDouble(std::nextafter(d, HUGE_VAL));
    if (!std::isfinite(d) || !dynamodb::ValidateNumber(lo).ok() ||
        !dynamodb::ValidateNumber(hi).ok()) {
      return true;  // beyond DynamoDB's numbers: nothing useful to send
    }
    // SQLite's BOOL values are 0 and 1: numbers too. In a NUMERIC column a
    // string that reads as a number ('5') compares as that number as well.
    auto boolean = [this, numeric_affinity] {
      std::string more = numeric_affinity ? " OR attribute_type(#?, " + Type("S") + ")" : "";
      return " OR attribute_type(#?, " + Type("BOOL") + ")" + more + ")";
    };
    if (f.op == Op::kEq) {
      Part("(#? BETWEEN " + Value(AttributeValue::N(lo)) + " AND " + Value(AttributeValue::N(hi)) +
           boolean());
    } else if (below) {
      Part("(#? <= " + Value(AttributeValue::N(hi)) + boolean());
    } else if (numeric_affinity) {
      Part("(#? >= " + Value(AttributeValue::N(lo)) + " OR NOT attribute_type(#?, " + Type("N") +
           "))");
    }
    return true;
  }

  std::string Name(const std::string& attribute) {
    for (const auto& [k, v] : names_) {
      if (v == attribute) return k;
    }
    std::string k = "#f" + std::to_string(names_.size());
    names_[k] = attribute;
    return k;
  }
  std::string Value(AttributeValue v) {
    std::string k = ":f" + std::to_string(values_.size());
    values_[k] = std::move(v);
    return k;
  }
  std::string Type(const std::string& type) {
    std::string k = ":t" + type;
    values_[k] = AttributeValue::S(type);
    return k;
  }
  void Part(std::string p) {
    std::string name = Name(pending_name_);
    for (size_t at = p.find("#?"); at != std::string::npos; at = p.find("#?", at)) {
      p.replace(at, 2, name);
    }
    expr_ += (expr_.empty() ? "" : " AND ") + p;
  }

  std::string expr_;
  std::string pending_name_;  // the attribute of the predicate being added
  dynamodb::NameMap names_;
  dynamodb::AttributeMap values_;
};

// Fills *filter from the plan's filter predicates; false when no row can match.
bool BuildFilter(const DdbTable& t, const Plan& plan, sqlite3_value** argv, FilterBuilder* filter) {
  for (const auto& f : plan.filter) {
    int col = t.ColumnOf(f.attribute);
    if (t.codecs && t.codecs->At(col)) continue;  // AddCodecFilters
    std::string type = col >= 0 ? t.columns[static_cast<size_t>(col)].type : "";
    if (!filter->Add(f, f.argv > 0 ? argv[f.argv - 1] : nullptr, type)) return false;
  }
  return true;
}

// Items a key check reads: a few values suffice (an authenticated cipher
// fails on the first; a wrong AES-ECB key passes PKCS7's padding check about
// once in 256 values, and must then also give UTF-8 in a TEXT column).
constexpr int kKeyCheckValues = 4;
// Items a key check of an attribute that is no key may read to find values.
constexpr int kKeyCheckItems = 100;

// Checks the key of codec column `col` before its first literal is encrypted
// to find rows (a GetItem, BatchGetItem or Query key, or a FilterExpression):
// with a wrong key that ciphertext matches nothing and the statement would
// answer no rows with no error. The key is checked against values the table
// stores (TableCodecs::CheckKey), once per session, table, column and key
// reference (CodecSession::KeyCheck), read by one Scan that projects the
// attribute and the item key:
//   - a key of the table: kKeyCheckValues items (every item has it);
//   - a key of an index: kKeyCheckValues items of that index (which holds
//     only items that have it);
//   - another attribute: the first kKeyCheckItems items, filtered by
//     attribute_exists.
// Never a Scan of a large table. When that read finds no value:
//   - it read the whole table or index: the column holds no value, so no
//     literal can match and the answer (no rows) is right; checked again by
//     the next statement, as values may have been written since;
//   - else (a sparse attribute of a larger table) *pushable is set false
//     and stays so for the session: the literal is not sent, SQLite compares
//     decoded values, and a wrong key fails on the first value read, as
//     selecting the column does. A key column is never left unverified.
Status CheckLiteralKey(DdbTable* t, int col, bool* pushable) {
  *pushable = true;
  CodecSession& session = t->ctx->codecs();
  std::string id = t->codecs->KeyCheckId(
      t->conn->dynamodb_endpoint().BaseUrl() + " " + t->conn->settings().region, col);
  switch (session.key_check(id)) {
    case CodecSession::KeyCheck::kVerified:
      return Status::OK();
    case CodecSession::KeyCheck::kUnverifiable:
      *pushable = false;
      return Status::OK();
    case CodecSession::KeyCheck::kUnknown:
      break;
  }
  const std::string& attribute = t->columns[static_cast<size_t>(col)].attribute;
  auto has_key = [&](const dynamodb::KeySchema& k) {
    return k.hash.name == attribute || (k.range && k.range->name == attribute);
  };
  dynamodb::ScanRequest req;
  req.table = t->table;
  req.limit = kKeyCheckValues;
  bool key = has_key(t->desc.key);
  for (const auto* list : {&t->desc.global_indexes, &t->desc.local_indexes}) {
    for (const auto& ix : *list) {
      if (key || !has_key(ix.key) || (!ix.status.empty() && ix.status != "ACTIVE")) continue;
      req.index = ix.name;
      key = true;
    }
  }
  std::vector<std::string> projected = t->codec_source.keys;
  if (std::find(projected.begin(), projected.end(), attribute) == projected.end()) {
    projected.push_back(attribute);
  }
  for (size_t i = 0; i < projected.size(); ++i) {
    std::string alias = "#k" + std::to_string(i);
    req.names[alias] = projected[i];
    req.projection += (i ? ", " : "") + alias;
  }
  if (!key) {
    req.limit = kKeyCheckItems;
    req.filter = "attribute_exists(#k" + std::to_string(projected.size() - 1) + ")";  // attribute
  }
  ItemPage page;
  Stats& stats = t->ctx->stats();
  stats.requests++;
  Status s = t->conn->dynamodb().Scan(req, &page);
  if (!s.ok()) return s.WithContext("table " + t->table + ", column " + attribute + ": key check");
  CountPage(stats, page, Plan::Op::kScan);
  size_t checked = 0;
  s = t->codecs->CheckKey(col, page.items, t->codec_source.keys, &checked);
  if (!s.ok()) return s;
  if (checked > 0) {
    session.set_key_check(id, CodecSession::KeyCheck::kVerified);
  } else if (!page.last_evaluated_key.empty()) {
    if (key) {
      return Status::InvalidArgument("table " + t->table + ", column " + attribute +
                                     ": no stored value was found to check the key " +
                                     t->codecs->At(col)->chain().KeyReferences() + " against");
    }
    session.set_key_check(id, CodecSession::KeyCheck::kUnverifiable);
    *pushable = false;
  }
  return Status::OK();
}

// Adds the plan's predicates on codec columns (equality or IN on a
// searchable codec) with their literals encoded as stored, once their key
// is checked (CheckLiteralKey; a predicate whose key cannot be checked is
// left to SQLite). *possible is false when no value can match.
Status AddCodecFilters(DdbTable* t, const Plan& plan, sqlite3_value** argv, FilterBuilder* filter,
                       bool* possible) {
  *possible = true;
  if (!t->codecs) return Status::OK();
  for (const auto& f : plan.filter) {
    int col = t->ColumnOf(f.attribute);
    if (!t->codecs->At(col) || f.op != FilterCondition::Op::kEq || f.argv <= 0) continue;
    bool pushable = true;
    Status checked = CheckLiteralKey(t, col, &pushable);
    if (!checked.ok()) return checked;
    if (!pushable) continue;  // SQLite compares the decoded values
    std::vector<AttributeValue> values;
    Status status;
    auto add = [&](sqlite3_value* v) {
      AttributeValue stored;
      bool matches = false;
      Status s = t->codecs->EncodeLiteral(col, v, &stored, &matches);
      if (!s.ok()) status = s;
      if (matches) values.push_back(std::move(stored));
    };
    sqlite3_value* arg = argv[f.argv - 1];
    sqlite3_value* x = nullptr;
    int rc = sqlite3_vtab_in_first(arg, &x);
    if (rc == SQLITE_OK) {  // an IN list
      for (; rc == SQLITE_OK && x; rc = sqlite3_vtab_in_next(arg, &x)) add(x);
    } else {
      add(arg);
    }
    if (!status.ok()) return status;
    if (values.empty()) {
      *possible = false;
      return Status::OK();
    }
    // DynamoDB's IN takes at most 100 values; SQLite filters longer lists.
    if (values.size() <= 100) filter->AddEqualsOneOf(f.attribute, std::move(values));
  }
  return Status::OK();
}

template <typename Request>
void ApplyFilter(FilterBuilder& filter, Request* req) {
  req->filter = filter.expression();
  for (auto& [k, v] : filter.names()) req->names[k] = v;
  for (auto& [k, v] : filter.values()) req->values[k] = v;
}

// The lookup `plan` makes with key values `keys`, as run over a full copy.
LookupSpec LookupFromCopy(
    const DdbTable& t, const Plan& plan,
    const std::vector<std::pair<const KeyCondition*, std::vector<AttributeValue>>>& keys) {
  LookupSpec spec;
  for (const auto& [k, values] : keys) {
    KeyMatch m;
    m.attribute = k->attribute;
    m.values = values;
    switch (k->op) {
      case KeyCondition::Op::kEq:
      case KeyCondition::Op::kIn:
        m.op = KeyMatch::Op::kEq;
        break;
      case KeyCondition::Op::kGt:
        m.op = KeyMatch::Op::kGt;
        break;
      case KeyCondition::Op::kGe:
        m.op = KeyMatch::Op::kGe;
        break;
      case KeyCondition::Op::kLt:
        m.op = KeyMatch::Op::kLt;
        break;
      case KeyCondition::Op::kLe:
        m.op = KeyMatch::Op::kLe;
        break;
      case KeyCondition::Op::kBeginsWith:
      case KeyCondition::Op::kGlob:
        m.op = KeyMatch::Op::kBeginsWith;
        break;
    }
    spec.key.push_back(std::move(m));
  }
  const dynamodb::IndexDescription* ix = t.desc.FindIndex(plan.index);
  const dynamodb::KeySchema& k = ix ? ix->key : t.desc.key;
  if (ix) {
    spec.required.push_back(k.hash.name);
    if (k.range) spec.required.push_back(k.range->name);
  }
  for (const auto& f : plan.filter) {
    if (f.op == FilterCondition::Op::kIsNull || f.op == FilterCondition::Op::kIsNotNull) {
      spec.null_tests.emplace_back(f.attribute, f.op == FilterCondition::Op::kIsNull);
    }
  }
  if (plan.order != Plan::Order::kNone && k.range) {
    spec.order_attribute = k.range->name;
    spec.descending = plan.order == Plan::Order::kDesc;
  }
  return spec;
}

// Inside BEGIN, when the transaction writes the table: `*source` wrapped
// in a PendingSource, so that the scan sees the transaction's own writes;
// `keys` are the plan's key values, as sent.
Status WithPendingWrites(
    DdbTable* t, const Plan& plan,
    const std::vector<std::pair<const KeyCondition*, std::vector<AttributeValue>>>& keys,
    std::unique_ptr<PageSource>* source) {
  std::shared_ptr<const TableView> view = t->ctx->writes().View(&t->conn->dynamodb(), t->table);
  if (!view) return Status::OK();
  LookupSpec spec = LookupFromCopy(*t, plan, keys);
  std::vector<PendingSource::Row> pending;
  for (const auto& text : view->items) {
    bool match = false;
    Status s = MatchesLookup(text, spec, &match);
    if (!s.ok()) return s;
    if (!match) continue;
    PendingSource::Row row;
    row.text = text;
    if (!spec.order_attribute.empty()) {
      dynamodb::CheckedItemAttributes attrs;
      attrs.Reset(row.text);
      std::string_view wire;
      bool found = false;
      s = attrs.Find(spec.order_attribute, &wire, &found);
      if (s.ok() && found) s = dynamodb::FromWireJsonText(wire, &row.order);
      if (!s.ok()) return s;
    }
    pending.push_back(std::move(row));
  }
  if (!spec.order_attribute.empty()) {
    std::stable_sort(pending.begin(), pending.end(), [&spec](const auto& a, const auto& b) {
      int c = CompareKeyValues(a.order, b.order);
      return spec.descending ? c > 0 : c < 0;
    });
  }
  std::vector<std::string> key_names = {t->desc.key.hash.name};
  if (t->desc.key.range) key_names.push_back(t->desc.key.range->name);
  *source =
      std::make_unique<PendingSource>(std::move(*source), std::move(view), std::move(key_names),
                                      std::move(pending), spec.order_attribute, spec.descending);
  return Status::OK();
}

// Builds the page source for `plan`. Returns OK with an empty FixedSource
// when a key value can never match (a NULL, a text for a binary key, ...).
// Inside BEGIN the scan sees the transaction's own writes (WithPendingWrites);
// a lookup answered from a copy sees them through the copy.
Status StartScan(DdbTable* t, const Plan& plan, sqlite3_value** argv,
                 std::unique_ptr<PageSource>* out, sqlite3_int64* cap,
                 const ScanCache::EntryPtr& copy = nullptr) {
  Stats& stats = t->ctx->stats();
  dynamodb::DynamoDbClient& client = t->conn->dynamodb();
  auto empty = [&] {
    *out = std::make_unique<FixedSource>(ItemPage());
    return Status::OK();
  };
  *cap = -1;
  if (plan.limit_argv > 0) {
    sqlite3_int64 limit = sqlite3_value_int64(argv[plan.limit_argv - 1]);
    sqlite3_int64 offset =
        plan.offset_argv > 0 ? sqlite3_value_int64(argv[plan.offset_argv - 1]) : 0;
    offset = std::max<sqlite3_int64>(offset, 0);
    if (limit >= 0) {
      *cap = limit > INT64_MAX - offset ? -1 : limit + offset;  // no cap when it would overflow
    }
    if (*cap == 0) return empty();
  }

  RequestGate gate{&t->ctx->rate_limiter(), &t->conn->http(), t->conn->http().cancel_generation()};
  FilterBuilder filter;
  if (!BuildFilter(*t, plan, argv, &filter)) return empty();
  bool possible = true;
  Status codec_status = AddCodecFilters(t, plan, argv, &filter, &possible);
  if (!codec_status.ok()) return codec_status;
  if (!possible) return empty();

  if (plan.op == Plan::Op::kScan) {
    dynamodb::ScanRequest req;
    ApplyFilter(filter, &req);
    req.table = t->table;
    req.index = plan.index;
    req.consistent_read = t->consistent;
    req.projection = ProjectionExpression(plan, &req.names);
    int segments = std::min<int>(t->segments, kMaxSegments);
    if (segments <= 0) {
      // About one segment per 2,000 items, up to 8: small tables need one request.
      segments = static_cast<int>(std::clamp<int64_t>(t->desc.item_count / 2000, 1, 8));
    }
    bool small = *cap > 0 && *cap <= 1000;
    ModuleContext* ctx = t->ctx;
    int64_t threshold = ctx->options().confirm_scan_items;
    if (ctx->confirm_scan && threshold > 0 && !small && req.index.empty() &&
        t->desc.item_count > threshold) {
      ScanEstimate e;
      e.table = t->table;
      e.items = t->desc.item_count;
      e.bytes = t->desc.size_bytes;
      e.read_units = static_cast<double>(e.bytes) / 4096.0 * (t->consistent ? 1.0 : 0.5);
      if (!ctx->confirm_scan(e)) {
        return Status::InvalidArgument("full scan of " + t->table +
                                       " declined (.scanconfirm sets when to ask)");
      }
    }
    if (small) {
      segments = 1;
      // DynamoDB's Limit counts items read, before the filter.
      if (req.filter.empty()) req.limit = static_cast<int>(*cap);
    }
    *out = std::make_unique<ScanSource>(&client, gate, req, segments);
    return WithPendingWrites(t, plan, {}, out);
  }

  // Key values, typed as the key attributes; an impossible one matches nothing.
  std::vector<std::pair<const KeyCondition*, std::vector<AttributeValue>>> keys;
  for (const auto& k : plan.key) {
    std::string type = t->KeyType(k.attribute);
    std::vector<AttributeValue> values;
    bool is_range = k.op != KeyCondition::Op::kEq && k.op != KeyCondition::Op::kIn;
    bool matches_nothing = false;
    if (k.op == KeyCondition::Op::kBeginsWith || k.op == KeyCondition::Op::kGlob) {
      // The literal prefix of a GLOB pattern (all of a begins_with argument);
      // without one there is no condition to send.
      sqlite3_value* v = argv[k.argv - 1];
      if (sqlite3_value_type(v) == SQLITE_NULL) return empty();
      std::string p = reinterpret_cast<const char*>(sqlite3_value_text(v));
      if (k.op == KeyCondition::Op::kGlob) p = p.substr(0, p.find_first_of("*?["));
      if (!p.empty()) keys.emplace_back(&k, std::vector<AttributeValue>{AttributeValue::S(p)});
      continue;
    }
    int codec_col = t->codecs ? t->ColumnOf(k.attribute) : -1;
    if (t->codecs && t->codecs->At(codec_col)) {
      bool pushable = true;  // a key column's check always settles
      Status checked = CheckLiteralKey(t, codec_col, &pushable);
      if (!checked.ok()) return checked;
    }
    Status encode_status;
    ForEachArgValue(k, argv, [&](sqlite3_value* v) {
      KeyValue kv;
      if (t->codecs && t->codecs->At(codec_col)) {
        // An encrypted key: looked up by its ciphertext.
        Status es = t->codecs->EncodeLiteral(codec_col, v, &kv.value, &kv.exact);
        if (!es.ok()) encode_status = es;
      } else {
        kv = SqlToKey(v, type);
      }
      if (kv.exact && is_range && type == "N") {
        // SQLite compares a number key held as TEXT (too long for a double)
        // as the nearest double: widen the bound by one double so those
        // keys come too, and let SQLite re-check (N ranges are not omitted).
        double d = std::strtod(kv.value.scalar().c_str(), nullptr);
        bool upper = k.op == KeyCondition::Op::kLt || k.op == KeyCondition::Op::kLe;
        std::string widened = ShortestDouble(std::nextafter(d, upper ? HUGE_VAL : -HUGE_VAL));
        if (dynamodb::ValidateNumber(widened).ok()) kv.value = AttributeValue::N(widened);
      }
      if (kv.exact && (type == "S" || type == "B") && kv.value.scalar().empty()) {
        // Key values are never empty (DynamoDB refuses one in a request):
        // = '' matches no key, > '' and >= '' every key, < '' and <= '' none.
        bool upper = k.op == KeyCondition::Op::kLt || k.op == KeyCondition::Op::kLe;
        if (is_range && upper) matches_nothing = true;
      } else if (kv.exact) {
        values.push_back(std::move(kv.value));
      } else if (is_range && type == "N" && sqlite3_value_type(v) == SQLITE_FLOAT &&
                 std::isinf(sqlite3_value_double(v))) {
        // An infinite bound keeps every number or none.
        bool upper = k.op == KeyCondition::Op::kLt || k.op == KeyCondition::Op::kLe;
        if (upper != (sqlite3_value_double(v) > 0)) matches_nothing = true;
      } else if (is_range && type == "N" && NumericUnderAffinity(v)) {
        // A number DynamoDB cannot hold (1e300, 1e-200): no condition is
        // sent and SQLite, which re-checks number ranges, decides.
      } else if (is_range) {
        // A bound of another storage class: SQLite orders NULL < numbers <
        // TEXT < BLOB, so the bound either keeps every key or none.
        int storage = sqlite3_value_type(v);
        bool upper = k.op == KeyCondition::Op::kLt || k.op == KeyCondition::Op::kLe;
        bool key_sorts_below = type == "N"   ? (storage == SQLITE_TEXT || storage == SQLITE_BLOB)
                               : type == "S" ? storage == SQLITE_BLOB
                                             : false;
        if (storage == SQLITE_NULL || upper != key_sorts_below) matches_nothing = true;
      }
    });
    if (!encode_status.ok()) return encode_status;
    if (matches_nothing) return empty();
    if (values.empty() && (k.op == KeyCondition::Op::kEq || k.op == KeyCondition::Op::kIn)) {
      return empty();
    }
    if (!values.empty()) keys.emplace_back(&k, std::move(values));
  }

  if (copy) {
    // A full copy of the table is at hand: the lookup is answered from it.
    LookupSpec spec = LookupFromCopy(*t, plan, keys);
    ItemPage page;
    Status s = t->ctx->scan_cache().Lookup(copy, spec, &page);
    if (!s.ok()) return s;
    *out = std::make_unique<FixedSource>(std::move(page));
    return Status::OK();
  }

  if (plan.op == Plan::Op::kGetItem || plan.op == Plan::Op::kBatchGetItem) {
    std::vector<Item> wanted;
    const auto& hashes = keys[0].second;
    std::vector<AttributeValue> no_range(1);
    const auto& ranges = keys.size() > 1 ? keys[1].second : no_range;
    for (const auto& h : hashes) {
      for (const auto& r : ranges) {
        Item key;
        key[keys[0].first->attribute] = h;
        if (keys.size() > 1) key[keys[1].first->attribute] = r;
        wanted.push_back(std::move(key));
      }
    }
    ItemPage page;
    if (plan.op == Plan::Op::kGetItem && wanted.size() == 1) {
      dynamodb::GetItemRequest req;
      req.table = t->table;
      req.key = std::move(wanted[0]);
      req.consistent_read = t->consistent;
      req.projection = ProjectionExpression(plan, &req.names);
      dynamodb::GetItemResult res;
      stats.get_item++;
      stats.requests++;
      Status s = client.GetItem(req, &res);
      if (!s.ok()) return s;
      if (res.found) page.items.push_back(std::move(res.item));
      page.scanned_count = page.count = static_cast<int64_t>(page.items.size());
      page.consumed_capacity = res.consumed_capacity;
    } else {
      dynamodb::BatchGetRequest req;
      req.table = t->table;
      req.keys = std::move(wanted);
      req.consistent_read = t->consistent;
      req.projection = ProjectionExpression(plan, &req.names);
      dynamodb::BatchGetResult res;
      stats.batch_get_item += (req.keys.size() + 99) / 100;
      stats.requests += (req.keys.size() + 99) / 100;
      Status s = client.BatchGetItem(req, &res);
      if (!s.ok()) return s;
      page.items = std::move(res.items);
      page.scanned_count = page.count = static_cast<int64_t>(page.items.size());
      page.consumed_capacity = res.consumed_capacity;
    }
    *out = std::make_unique<FixedSource>(std::move(page));
    return WithPendingWrites(t, plan, keys, out);
  }

  // Query: one request per partition key value.
  dynamodb::QueryRequest base;
  base.table = t->table;
  base.index = plan.index;
  // Global secondary indexes cannot be read consistently; local ones can.
  bool global_index = false;
  for (const auto& g : t->desc.global_indexes) global_index |= g.name == plan.index;
  base.consistent_read = t->consistent && !global_index;
  base.scan_forward = plan.order != Plan::Order::kDesc;
  // With fetch=, the index is asked for the keys; the items come after.
  const dynamodb::IndexDescription* index = t->desc.FindIndex(plan.index);
  Plan keys_only;
  if (plan.fetch) {
    if (!index) return Status::Corruption("fetch= in a plan without an index: " + plan.ToString());
    keys_only.project_all = false;
    keys_only.project = KeyAttributes(t->desc.key, index->key);
  }
  base.projection = ProjectionExpression(plan.fetch ? keys_only : plan, &base.names);
  ApplyFilter(filter, &base);
  if (*cap > 0 && *cap <= 1000 && base.filter.empty()) base.limit = static_cast<int>(*cap);
  // One sort key condition: =, a comparison, BETWEEN (two bounds; an
  // exclusive one is re-checked by SQLite) or begins_with.
  std::string cond;
  const AttributeValue* lower = nullptr;
  const AttributeValue* upper = nullptr;
  const char* lower_op = ">=";
  const char* upper_op = "<=";
  for (size_t i = 1; i < keys.size(); ++i) {
    const KeyCondition& k = *keys[i].first;
    const AttributeValue& v = keys[i].second[0];
    base.names["#k1"] = k.attribute;
    switch (k.op) {
      case KeyCondition::Op::kEq:
      case KeyCondition::Op::kIn:
        base.values[":k1"] = v;
        cond = " AND #k1 = :k1";
        break;
      case KeyCondition::Op::kGt:
      case KeyCondition::Op::kGe:
        lower = &v;
        lower_op = k.op == KeyCondition::Op::kGt ? ">" : ">=";
        break;
      case KeyCondition::Op::kLt:
      case KeyCondition::Op::kLe:
        upper = &v;
        upper_op = k.op == KeyCondition::Op::kLt ? "<" : "<=";
        break;
      case KeyCondition::Op::kBeginsWith:
      case KeyCondition::Op::kGlob:
        base.values[":k1"] = v;
        cond = " AND begins_with(#k1, :k1)";
        break;
    }
  }
  if (lower && upper) {
    int order = lower->type() == AttributeValue::Type::kN
                    ? dynamodb::CompareNumbers(lower->scalar(), upper->scalar())
                    : lower->scalar().compare(upper->scalar());
    bool both_inclusive = std::string_view(lower_op) == ">=" && std::string_view(upper_op) == "<=";
    if (order > 0 || (order == 0 && !both_inclusive)) return empty();
    base.values[":k1"] = *lower;
    base.values[":k2"] = *upper;
    cond = " AND #k1 BETWEEN :k1 AND :k2";
  } else if (lower || upper) {
    base.values[":k1"] = lower ? *lower : *upper;
    cond = std::string(" AND #k1 ") + (lower ? lower_op : upper_op) + " :k1";
  }
  base.names["#k0"] = keys[0].first->attribute;
  std::vector<dynamodb::QueryRequest> requests;
  for (const auto& h : keys[0].second) {
    dynamodb::QueryRequest req = base;
    req.key_condition = "#k0 = :k0" + cond;
    req.values[":k0"] = h;
    requests.push_back(std::move(req));
  }
  auto query = std::make_unique<QuerySource>(&client, gate, std::move(requests));
  if (!plan.fetch) {
    *out = std::move(query);
    return WithPendingWrites(t, plan, keys, out);
  }
  // The fetch reads what the statement uses, and the index keys that tell
  // whether the item still matches its index entry (index_fetch.h).
  dynamodb::BatchGetRequest fetch;
  fetch.table = t->table;
  fetch.consistent_read = t->consistent;
  Plan fetched = plan;
  if (!plan.project_all) {
    for (const auto& a : keys_only.project) {
      if (std::find(fetched.project.begin(), fetched.project.end(), a) == fetched.project.end()) {
        fetched.project.push_back(a);
      }
    }
  }
  fetch.projection = ProjectionExpression(fetched, &fetch.names);
  // Inside BEGIN the transaction's deletes may drop fetched items: the
  // fetch then cannot stop at the LIMIT (the cursor still does).
  bool overlaid = t->ctx->writes().View(&client, t->table) != nullptr;
  *out = std::make_unique<FetchSource>(&client, gate, std::move(query), std::move(fetch),
                                       t->desc.key, index->key, &stats, overlaid ? -1 : *cap);
  return WithPendingWrites(t, plan, keys, out);
}

// Pages of a copy this statement already read.
class CopySource : public PageSource {
 public:
  CopySource(ScanCache* cache, ScanCache::EntryPtr entry) : reader_(cache, std::move(entry)) {}
  Status Next(ItemPage* page, bool* done) override { return reader_.Next(page, done); }

 private:
  ScanCache::Reader reader_;
};

// Counts the cursor's current row as handed to SQLite; at the end, the
// cursor stops being an outer loop (ScanCache::OuterRows).
void CountRow(DdbCursor* c, DdbTable* t) {
  if (c->eof) {
    t->ctx->scan_cache().SetInactive(c);
    return;
  }
  t->ctx->stats().rows++;
  if (c->from_copy) t->ctx->stats().reused_rows++;
}

// The identity of a scan for exact repeats: the plan and its argument
// values (type and bytes). Empty when it has none (an IN list's values are
// not at hand without consuming them).
std::string RepeatKey(const Plan& plan, const char* idx_str, int argc, sqlite3_value** argv) {
  for (const auto& k : plan.key) {
    if (k.op == KeyCondition::Op::kIn) return "";
  }
  // An IN list handed over whole (an encrypted column's filter) reads as
  // NULL here whatever its values: such a plan is never a repeat.
  for (int i = 0; i < argc; ++i) {
    sqlite3_value* first = nullptr;
    if (sqlite3_vtab_in_first(argv[i], &first) == SQLITE_OK) return "";
  }
  std::string key = idx_str ? idx_str : "";
  for (int i = 0; i < argc; ++i) {
    int type = sqlite3_value_type(argv[i]);
    key += '\x1f';
    key += static_cast<char>('0' + type);
    if (type == SQLITE_INTEGER) {
      key += std::to_string(sqlite3_value_int64(argv[i]));
    } else if (type == SQLITE_FLOAT) {
      key += ShortestDouble(sqlite3_value_double(argv[i]));
    } else if (type != SQLITE_NULL) {
      const void* p =
          type == SQLITE_BLOB ? sqlite3_value_blob(argv[i]) : sqlite3_value_text(argv[i]);
      key.append(static_cast<const char*>(p), static_cast<size_t>(sqlite3_value_bytes(argv[i])));
    }
  }
  return key;
}

// What one run of a lookup plan costs, and the rows a plan is expected to
// give (cost.h), for the choice between lookups and one Scan.
Cost LookupCost(const DdbTable& t, const Plan& plan) {
  if (plan.op == Plan::Op::kGetItem) return GetItemCost(t.stats);
  if (plan.op == Plan::Op::kBatchGetItem) return BatchGetCost(t.stats, kAssumedInValues);
  double items = PartitionItems(t.stats, plan.index);
  return plan.fetch ? IndexFetchCost(t.stats, plan.index, 1, items)
                    : QueryCost(t.stats, 1, items, plan.index);
}
double PlanRows(const DdbTable& t, const Plan& plan) {
  switch (plan.op) {
    case Plan::Op::kGetItem:
      return 1;
    case Plan::Op::kBatchGetItem:
      return kAssumedInValues;
    case Plan::Op::kQuery:
      return PartitionItems(t.stats, plan.index);
    case Plan::Op::kScan:
      break;
  }
  double rows = t.stats.items;
  for (const auto& f : plan.filter) {
    if (f.op == FilterCondition::Op::kEq) {
      rows *= EqualitySelectivity(t.stats, f.attribute);
    } else if (f.op == FilterCondition::Op::kIsNull || f.op == FilterCondition::Op::kIsNotNull) {
      rows *= NullSelectivity(t.stats, f.attribute, f.op == FilterCondition::Op::kIsNull);
    } else {
      rows *= kRangeSelectivity;
    }
  }
  return std::max(1.0, rows);
}

// The attributes a full copy must hold to answer `plan` (empty: all).
std::vector<std::string> CopyProjection(const DdbTable& t, const Plan& plan) {
  if (plan.project_all) return {};
  std::vector<std::string> p = plan.project;
  auto add = [&p](const std::string& a) {
    if (std::find(p.begin(), p.end(), a) == p.end()) p.push_back(a);
  };
  for (const auto& k : plan.key) add(k.attribute);
  for (const auto& f : plan.filter) add(f.attribute);
  add(t.desc.key.hash.name);
  if (t.desc.key.range) add(t.desc.key.range->name);
  if (const auto* ix = t.desc.FindIndex(plan.index)) {
    add(ix->key.hash.name);
    if (ix->key.range) add(ix->key.range->name);
  }
  return p;
}

// Lookups or one Scan: a lookup plan run once per outer row turns into one
// Scan of the whole table (kept as a copy that answers the lookups) when
// the lookups cost more than the Scan: on its second run when the outer
// loops are expected to run it that often, else once the lookups already
// sent cost as much (so that a wrong guess costs at most twice the cheaper
// way).
bool ScanInsteadOfLookups(DdbTable* t, const Plan& plan, sqlite3_value** argv, const void* cursor) {
  ModuleContext* ctx = t->ctx;
  if (ctx->confirm_scan && ctx->options().confirm_scan_items > 0 &&
      t->stats.items > static_cast<double>(ctx->options().confirm_scan_items)) {
    return false;  // never a large Scan nobody asked for
  }
  ScanCache& cache = ctx->scan_cache();
  double lookup = LookupCost(*t, plan).Total();
  double scan = ScanCost(t->stats).Total();
  if (plan.op == Plan::Op::kBatchGetItem) {
    // The IN lists are known now: as many keys as their values combine to.
    double keys = 1;
    for (const auto& k : plan.key) {
      double n = 0;
      ForEachArgValue(k, argv, [&n](sqlite3_value*) { ++n; });
      keys *= n;
    }
    if (BatchGetCost(t->stats, keys).Total() > scan) return true;
  }
  double sent = static_cast<double>(cache.lookups(t)) * lookup;
  // The guess from the outer loops counts only once the lookup has come
  // again: a subquery run once beside another scan is no inner loop.
  return sent >= scan || (sent > 0 && cache.OuterRows(cursor) * lookup >= scan);
}

// Reads the whole table into a copy (one Scan), for the lookups of `plan`.
Status CopyTable(DdbTable* t, const Plan& plan, ScanCache::EntryPtr* copy) {
  Plan scan;
  scan.op = Plan::Op::kScan;
  std::vector<std::string> projection = CopyProjection(*t, plan);
  scan.project_all = projection.empty();
  scan.project = projection;
  std::unique_ptr<PageSource> source;
  sqlite3_int64 cap = -1;
  Status s = StartScan(t, scan, nullptr, &source, &cap);
  if (!s.ok()) return s;
  ScanCache& cache = t->ctx->scan_cache();
  ScanCache::Recorder recorder(&cache, t, RepeatKey(scan, scan.ToString().c_str(), 0, nullptr),
                               true, projection);
  for (bool done = false; !done;) {
    ItemPage page;
    s = source->Next(&page, &done);
    if (!s.ok()) return s;
    CountPage(t->ctx->stats(), page, Plan::Op::kScan);
    recorder.Add(page);
  }
  recorder.Finish();
  *copy = cache.FindFull(t, projection.empty(), projection);
  return Status::OK();
}

// Starts the cursor's scan: from a copy when this statement already read
// the same scan, or the whole table for a lookup; else from DynamoDB, kept
// for a repeat.
Status StartFromCopyOrDynamoDb(DdbCursor* c, DdbTable* t, const Plan& plan, const char* idx_str,
                               int argc, sqlite3_value** argv) {
  ScanCache& cache = t->ctx->scan_cache();
  Stats& stats = t->ctx->stats();
  c->from_copy = false;
  c->recorder.reset();
  cache.SetActive(c, PlanRows(*t, plan));
  std::string key = RepeatKey(plan, idx_str, argc, argv);
  if (ScanCache::EntryPtr e = key.empty() ? nullptr : cache.Find(t, key)) {
    c->from_copy = true;
    stats.reused++;
    c->cap = -1;  // a copy is kept only when complete: within any LIMIT
    c->source = std::make_unique<CopySource>(&cache, e);
    return Status::OK();
  }
  ScanCache::EntryPtr copy;
  if (plan.op != Plan::Op::kScan) {
    std::vector<std::string> projection = CopyProjection(*t, plan);
    copy = cache.FindFull(t, projection.empty(), projection);
    if (!copy && ScanInsteadOfLookups(t, plan, argv, c)) {
      Status s = CopyTable(t, plan, &copy);
      if (!s.ok()) return s;
    }
    if (!copy) cache.lookups(t)++;
  }
  Status s = StartScan(t, plan, argv, &c->source, &c->cap, copy);
  if (!s.ok()) return s;
  if (copy) {
    c->from_copy = true;
    stats.reused++;
  } else if (!key.empty()) {
    bool full = plan.op == Plan::Op::kScan && plan.index.empty() && plan.filter.empty() &&
                plan.limit_argv == 0;
    c->recorder = std::make_unique<ScanCache::Recorder>(
        &cache, t, key, full, full ? CopyProjection(*t, plan) : std::vector<std::string>(),
        cache.Nested(c));
  }
  return Status::OK();
}

// Contract: starts the scan idxStr describes (plan.h), with argv in the
// order documented there; positions on the first row. A scan this statement
// already read, or a lookup on a table it holds a full copy of, is read from
// that copy (scan_cache.h) without a request. Errors name the
// table; Ctrl-C surfaces as SQLITE_INTERRUPT.
int DdbFilter(sqlite3_vtab_cursor* cur, int idx_num, const char* idx_str, int argc,
              sqlite3_value** argv) {
  auto* c = reinterpret_cast<DdbCursor*>(cur);
  DdbTable* t = TableOf(cur);
  Plan plan;
  Status s = ParsePlan(idx_str ? idx_str : "", &plan);
  c->source.reset();
  c->page = ItemPage();
  c->pos = 0;
  c->source_done = false;
  c->deferred.clear();
  c->deferred_flushed = false;
  c->order_attribute.clear();
  c->order = Plan::Order::kNone;
  c->op = plan.op;
  c->counted_by_source = plan.fetch;
  c->whole_item = plan.project_all;
  if (s.ok() && plan.order != Plan::Order::kNone) {
    const dynamodb::IndexDescription* ix = t->desc.FindIndex(plan.index);
    const dynamodb::KeySchema& k = ix ? ix->key : t->desc.key;
    if (k.range && k.range->type == "N") {
      c->order_attribute = k.range->name;
      c->order = plan.order;
    }
  }
  if (s.ok()) s = StartFromCopyOrDynamoDb(c, t, plan, idx_str, argc, argv);
  if (s.ok()) s = Advance(c, t->ctx->stats());
  CountRow(c, t);
  if (!s.ok()) {
    std::string msg = s.ToString();
    if (msg.find(t->table) == std::string::npos) msg = "table " + t->table + ": " + msg;
    SetError(cur->pVtab, msg);
    c->eof = true;
    return ErrorCode(s);
  }
  return SQLITE_OK;
}

// Contract: moves to the next row, fetching the next page when needed.
int DdbNext(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<DdbCursor*>(cur);
  DdbTable* t = TableOf(cur);
  ++c->pos;
  if (c->cap > 0) --c->cap;
  if (c->cap == 0) {
    c->eof = true;
    return SQLITE_OK;
  }
  Status s = Advance(c, t->ctx->stats());
  if (s.ok()) CountRow(c, t);
  if (!s.ok()) {
    SetError(cur->pVtab, "table " + t->table + ": " + s.ToString());
    c->eof = true;
    return ErrorCode(s);
  }
  return SQLITE_OK;
}

int DdbEof(sqlite3_vtab_cursor* cur) { return reinterpret_cast<DdbCursor*>(cur)->eof; }

// Contract: the value of column `i` of the current row: the attribute as
// values.h maps it, NULL when the item lacks it, the whole item for `item`;
// a codec column decoded (codec_columns.h), with errors naming the table,
// the item's key and the column.
int DdbColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int i) {
  if (sqlite3_vtab_nochange(ctx)) return SQLITE_OK;  // an UPDATE that leaves it as it is
  auto* c = reinterpret_cast<DdbCursor*>(cur);
  const DdbTable* t = TableOf(cur);
  if (t->codecs && t->codecs->At(i)) {
    Status s = c->codecs.Result(ctx, t->codec_source, i, c->page, c->pos);
    if (!s.ok()) SetError(cur->pVtab, s.ToString());
    return s.ok() ? SQLITE_OK : ErrorCode(s);
  }
  if (!c->page.item_texts.empty()) {
    // A page kept as text: only the attribute asked for is decoded.
    std::string_view text = c->page.item_texts[c->pos];
    if (i == t->item_column) {
      ResultWireItemJson(ctx, text);
      return SQLITE_OK;
    }
    std::string_view value;
    bool found;
    Status s = FindRowAttribute(c, t->columns[static_cast<size_t>(i)].attribute, &value, &found);
    if (!s.ok()) {
      SetError(cur->pVtab, "table " + t->table + ": " + s.ToString());
      return SQLITE_ERROR;
    }
    if (found) {
      ResultWireAttribute(ctx, value);
    } else {
      sqlite3_result_null(ctx);
    }
    return SQLITE_OK;
  }
  const Item& item = c->page.items[c->pos];
  if (i == t->item_column) {
    ResultItemJson(ctx, item);
    return SQLITE_OK;
  }
  auto it = item.find(t->columns[static_cast<size_t>(i)].attribute);
  if (it == item.end()) {
    sqlite3_result_null(ctx);
  } else {
    ResultAttribute(ctx, it->second);
  }
  return SQLITE_OK;
}

// begins_with(s, prefix): 1 when the text (or bytes) `s` starts with
// `prefix`, as DynamoDB's begins_with compares: byte for byte, case
// sensitive. NULL when either is NULL.
void BeginsWithFunc(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  bool blobs = sqlite3_value_type(argv[0]) == SQLITE_BLOB;
  const void* a = blobs ? sqlite3_value_blob(argv[0]) : sqlite3_value_text(argv[0]);
  int na = sqlite3_value_bytes(argv[0]);
  const void* b = blobs ? sqlite3_value_blob(argv[1]) : sqlite3_value_text(argv[1]);
  int nb = sqlite3_value_bytes(argv[1]);
  sqlite3_result_int(ctx, nb <= na && (nb == 0 || std::memcmp(a, b, static_cast<size_t>(nb)) == 0));
}

// Contract: overloads begins_with(column, prefix) so that xBestIndex sees it
// as a constraint (kBeginsWithConstraint) and can push it into a Query.
int DdbFindFunction(sqlite3_vtab*, int nargs, const char* name,
                    void (**func)(sqlite3_context*, int, sqlite3_value**), void** arg) {
  if (nargs != 2 || sqlite3_stricmp(name, "begins_with") != 0) return 0;
  *func = BeginsWithFunc;
  *arg = nullptr;
  return kBeginsWithConstraint;
}

// Contract: INSERT (argv[0] NULL), UPDATE (argv[0] the old rowid) or DELETE
// (argc 1) of one item, as vtab/write.h describes; errors name the table.
// The statement's copies of this table's scans (scan_cache.h) are stale
// from here on and are dropped; a reader already going keeps its own.
int DdbUpdate(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid) {
  auto* t = reinterpret_cast<DdbTable*>(vtab);
  t->ctx->scan_cache().Forget(t);
  // Inside BEGIN a failed row leaves none of its writes (a key change is
  // two); SQLite's statement savepoint undoes the statement's earlier rows.
  size_t before = t->ctx->writes().mark();
  int rc = t->writer->Update(vtab, argc, argv, rowid);
  if (rc != SQLITE_OK) t->ctx->writes().UndoTo(before);
  return rc;
}

// Contract: a statement that writes the table starts (or BEGIN's first one);
// refused in a read-only session.
int DdbBegin(sqlite3_vtab* vtab) { return reinterpret_cast<DdbTable*>(vtab)->writer->Begin(vtab); }

// Contract: the durable step of a commit: outside BEGIN waits for every write
// of the statement; at COMMIT sends the TransactWriteItems. An error here
// makes SQLite roll back.
int DdbSync(sqlite3_vtab* vtab) { return reinterpret_cast<DdbTable*>(vtab)->writer->Sync(vtab); }

// Contract: forgets the transaction; idempotent, never fails.
int DdbCommit(sqlite3_vtab* vtab) { return reinterpret_cast<DdbTable*>(vtab)->writer->Commit(); }

// Contract: drops what was not sent; idempotent, never fails.
int DdbRollback(sqlite3_vtab* vtab) {
  return reinterpret_cast<DdbTable*>(vtab)->writer->Rollback();
}

// Contract: savepoint `n` begins (SQLite opens one around each statement
// inside BEGIN, and for SAVEPOINT): marks the transaction's writes so far.
int DdbSavepoint(sqlite3_vtab* vtab, int n) {
  reinterpret_cast<DdbTable*>(vtab)->ctx->writes().Savepoint(n);
  return SQLITE_OK;
}

// Contract: savepoint `n` and those after it end; the writes stay.
int DdbRelease(sqlite3_vtab* vtab, int n) {
  reinterpret_cast<DdbTable*>(vtab)->ctx->writes().Release(n);
  return SQLITE_OK;
}

// Contract: back to savepoint `n` (a failed statement, ROLLBACK TO): the
// writes added since are dropped, never sent.
int DdbRollbackTo(sqlite3_vtab* vtab, int n) {
  reinterpret_cast<DdbTable*>(vtab)->ctx->writes().RollbackTo(n);
  return SQLITE_OK;
}

// Contract: DROP TABLE of a listed DynamoDB table is refused (DynamoDB is
// never touched); a name bound with CREATE VIRTUAL TABLE elsewhere is
// unbound.
int DdbDestroy(sqlite3_vtab* vtab) {
  auto* t = reinterpret_cast<DdbTable*>(vtab);
  if (t->schema == "ddb") {
    SetError(vtab, SchemaChangeRefused("DROP TABLE", t->table));
    return SQLITE_ERROR;
  }
  return DdbDisconnect(vtab);
}

// Contract: ALTER TABLE ... RENAME is refused: DynamoDB is never touched.
int DdbRename(sqlite3_vtab* vtab, const char*) {
  SetError(vtab, SchemaChangeRefused("ALTER TABLE", reinterpret_cast<DdbTable*>(vtab)->table));
  return SQLITE_ERROR;
}

// Contract: a rowid unique within this scan (DynamoDB items have none).
int DdbRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  // SQLite uses rowids to drop duplicates when it serves an OR with several
  // lookups, so an item must have the same rowid in every scan: a 64-bit
  // FNV-1a hash of its primary key.
  auto* c = reinterpret_cast<DdbCursor*>(cur);
  DdbTable* t = TableOf(cur);
  const Item* current = nullptr;
  Status s = CurrentItem(c, &current);
  if (!s.ok()) {
    SetError(cur->pVtab, "table " + t->table + ": " + s.ToString());
    return SQLITE_ERROR;
  }
  *rowid = KeyRowid(t->desc.key, *current);
  t->writer->RememberRow(*rowid, *current, c->whole_item);
  return SQLITE_OK;
}

sqlite3_module kModule = {
    /* iVersion    */ 3,
    /* xCreate     */ DdbConnect,
    /* xConnect    */ DdbConnect,
    /* xBestIndex  */ DdbBestIndex,
    /* xDisconnect */ DdbDisconnect,
    /* xDestroy    */ DdbDestroy,
    /* xOpen       */ DdbOpen,
    /* xClose      */ DdbClose,
    /* xFilter     */ DdbFilter,
    /* xNext       */ DdbNext,
    /* xEof        */ DdbEof,
    /* xColumn     */ DdbColumn,
    /* xRowid      */ DdbRowid,
    /* xUpdate     */ DdbUpdate,
    /* xBegin      */ DdbBegin,
    /* xSync       */ DdbSync,
    /* xCommit     */ DdbCommit,
    /* xRollback   */ DdbRollback,
    /* xFindFunction */ DdbFindFunction,
    /* xRename     */ DdbRename,
    /* xSavepoint  */ DdbSavepoint,
    /* xRelease    */ DdbRelease,
    /* xRollbackTo */ DdbRollbackTo,
    /* xShadowName */ nullptr,
};

}  // namespace

void Stats::Reset() {
  for (auto* a : {&requests,
                  &pages,
                  &items_scanned,
                  &items_returned,
                  &rows,
                  &reused,
                  &reused_rows,
                  &bytes,
                  &retries,
                  &get_item,
                  &batch_get_item,
                  &query,
                  &scan,
                  &execute_statement,
                  &capacity_milli,
                  &s3_gets,
                  &s3_bytes,
                  &s3_cache_hits,
                  &put_item,
                  &update_item,
                  &delete_item,
                  &batch_write_item,
                  &transact_write_items,
                  &write_capacity_milli,
                  &items_written,
                  &items_refused,
                  &writes_cancelled}) {
    a->store(0);
  }
}

Status ModuleContext::OpenConnection(const aws::Overrides& overrides,
                                     std::shared_ptr<Connection>* out) {
  ConnectionOptions o = connection_options_;
  if (!overrides.profile.empty()) o.overrides.profile = overrides.profile;
  if (!overrides.region.empty()) o.overrides.region = overrides.region;
  if (!overrides.endpoint_url.empty()) o.overrides.endpoint_url = overrides.endpoint_url;
  // One HTTP client for every connection: Ctrl-C cancels all their requests.
  o.shared_http = connection_->shared_http();
  return Connection::Open(std::move(o), out);
}

Status RegisterModule(sqlite3* db, ModuleContext* context) {
  int rc = sqlite3_create_module_v2(db, "dynamodb", &kModule, context, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "begins_with", 2,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                 BeginsWithFunc, nullptr, nullptr);
  }
  if (rc != SQLITE_OK) return Status::IOError(std::string("sqlite: ") + sqlite3_errmsg(db));
  InstallWriteGuard(db, context);         // DROP/ALTER of DynamoDB tables refused (vtab/write.h)
  return RegisterFunctions(db, context);  // ddb_partiql, ddb_query (functions_vtab.cc)
}

namespace {
Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return Status::IOError("sqlite: " + msg);
  }
  return Status::OK();
}

std::string QuoteLiteral(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}
}  // namespace

std::string ModuleContext::SchemaScope(Connection& connection) {
  return SchemaCache::Scope(connection.dynamodb_endpoint().BaseUrl(), connection.settings().region,
                            connection.StableIdentity());
}

Status RefreshTables(sqlite3* db, ModuleContext* context, const std::string& table) {
  SchemaCache cache = context->schema_cache();
  std::string scope = cache.enabled() ? ModuleContext::SchemaScope(context->connection()) : "";
  if (table.empty()) {
    if (!scope.empty()) cache.Forget(scope, "");
    context->ForgetDescribed("");
  }
  // The list too: a table created since shows up.
  Status s = AttachTables(db, context, "ddb", nullptr, /*relist=*/true);
  if (!s.ok() || table.empty()) return s;
  // TABLE is the DynamoDB name, or the SQL name it was declared under.
  std::string dynamo;
  for (const auto& [name, sql_name] : context->ListedTables()) {
    if (name == table) dynamo = name;
  }
  for (const auto& [name, sql_name] : context->ListedTables()) {
    if (dynamo.empty() && sqlite3_stricmp(sql_name.c_str(), table.c_str()) == 0) dynamo = name;
  }
  if (dynamo.empty()) return Status::InvalidArgument(".refresh: no DynamoDB table named " + table);
  if (!scope.empty()) cache.Forget(scope, dynamo);
  context->ForgetDescribed(dynamo);
  return Status::OK();
}

Status AttachTables(sqlite3* db, ModuleContext* context, const std::string& schema, size_t* count,
                    bool relist) {
  std::vector<std::string> names;
  SchemaCache cache = context->schema_cache();
  std::string scope = cache.enabled() ? ModuleContext::SchemaScope(context->connection()) : "";
  if (relist || scope.empty() || !cache.LoadTables(scope, &names)) {
    Status s = context->connection().dynamodb().ListTables(&names);
    if (!s.ok()) return s;
    context->stats().requests++;
    if (!scope.empty()) cache.SaveTables(scope, names);
  }
  Status s;
  if (sqlite3_db_filename(db, schema.c_str()) == nullptr) {
    s = Exec(db, "ATTACH ':memory:' AS " + QuoteIdent(schema));
    if (!s.ok()) return s;
  }
  // Declaring a virtual table through the schema table, rather than with
  // CREATE VIRTUAL TABLE, lets SQLite connect it (DescribeTable) only when
  // a statement uses it: hundreds of tables cost one ListTables.
  std::string q = QuoteIdent(schema);
  std::string sql = "PRAGMA " + q + ".writable_schema=ON; DELETE FROM " + q +
                    ".sqlite_schema WHERE sql LIKE 'CREATE VIRTUAL TABLE % USING dynamodb(%';";
  // DynamoDB names are case-sensitive, SQLite's are not: tables whose names
  // differ only in case get names of their own (sql_names.h), and none of
  // them the name they share.
  std::vector<std::string> sql_names = DistinctSqlNames(names);
  std::vector<std::pair<std::string, std::string>> listed;
  for (size_t i = 0; i < names.size(); ++i) {
    listed.emplace_back(names[i], sql_names[i]);
    std::string create = "CREATE VIRTUAL TABLE " + QuoteIdent(sql_names[i]) +
                         " USING dynamodb(table=" + QuoteLiteral(names[i]) + ")";
    sql += "INSERT INTO " + q + ".sqlite_schema(type,name,tbl_name,rootpage,sql) VALUES('table'," +
           QuoteLiteral(sql_names[i]) + "," + QuoteLiteral(sql_names[i]) + ",0," +
           QuoteLiteral(create) + ");";
  }
  sql += "PRAGMA " + q + ".writable_schema=RESET;";
  s = Exec(db, sql);
  if (!s.ok()) return s;
  context->NoteListedTables(std::move(listed));
  if (count) *count = names.size();
  return Status::OK();
}

}  // namespace ddb::vtab
