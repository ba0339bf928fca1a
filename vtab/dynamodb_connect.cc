// xCreate/xConnect, xDisconnect and xDestroy of the dynamodb module
// (dynamodb_table.h): the USING arguments, DescribeTable once a session,
// the sample that finds the attributes (or the schema cache's copy of it),
// the column list and the schema declared to SQLite.
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sqlite_util.h"
#include "engine/strings.h"
#include "vtab/dynamodb_table.h"
#include "vtab/encrypted_items.h"
#include "vtab/sql_names.h"
#include "vtab/values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::ItemPage;

namespace {

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
  // An item_encryption table's columns are its plain attributes.
  if (t->encryptor) s = DecryptPage(*t->encryptor, t->ctx, &page);
  if (!s.ok()) return s;
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
    // The Encryption Client's own attributes are never columns.
    if (t->encryptor && (attr == item_encryption::kMaterialDescriptionAttribute ||
                         attr == item_encryption::kSignatureAttribute)) {
      return;
    }
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
      std::string sqltype = str::Upper(UnquoteArgument(p));
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
    const std::string& type =
        name == t.desc.key.hash.name ? t.desc.key.hash.type : t.desc.key.range->type;
    Status s = codec::CheckKeyCodec(*c, type);
    if (!s.ok()) return s.WithContext("table " + t.table + ", column " + name);
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

}  // namespace

std::string UnquoteArgument(std::string_view s) {
  s = str::Trim(s);
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

std::string CreateTableSql(const std::vector<Column>& columns, const TableCodecs* codecs) {
  std::string sql = "CREATE TABLE x(";
  for (size_t i = 0; i < columns.size(); ++i) {
    const Column& c = columns[i];
    if (i > 0) sql += ", ";
    sql += sql::QuoteIdentifier(c.name);
    if (const codec::Column* cc = codecs ? codecs->At(static_cast<int>(i)) : nullptr) {
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
    std::string key = eq == std::string_view::npos ? "" : UnquoteArgument(arg.substr(0, eq));
    std::string value = UnquoteArgument(eq == std::string_view::npos ? arg : arg.substr(eq + 1));
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
  // The catalog's item_encryption, checked before anything is sent.
  const codec::TableDecl* table_decl = ctx->codecs().catalog().Find(t->table);
  std::shared_ptr<const item_encryption::ItemEncryptionDecl> encryption =
      table_decl ? table_decl->item_encryption : nullptr;
  // Only tables sampled the default way share the cache; an encrypted
  // table's sample is never taken from it (a sample cached before the
  // catalog declared it would hold ciphertexts' types).
  bool cacheable = declared.empty() && sample == ctx->options().sample_items && !encryption;
  std::string scope;
  std::vector<RenamedGroup> renamed;
  s = DescribeCached(t.get(), cacheable, &scope);
  if (s.ok() && encryption) {
    s = OpenItemEncryptor(*encryption, t->table, t->desc.key, t->conn, ctx->codecs().keys(),
                          &t->encryptor);
  }
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
  int rc = sqlite3_declare_vtab(db, CreateTableSql(t->columns, t->codecs.get()).c_str());
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
  // item_encryption: writes encrypt and sign (the Encryption Client's;
  // the Database Encryption SDK's are refused, ItemScheme::WriteRefusal).
  t->writer->set_encryptor(std::dynamic_pointer_cast<item_encryption::ItemEncryptor>(t->encryptor));
  *out = &t.release()->base;
  return SQLITE_OK;
}

// Contract: frees the table. Nothing is sent to DynamoDB.
int DdbDisconnect(sqlite3_vtab* vtab) {
  std::unique_ptr<DdbTable> t(reinterpret_cast<DdbTable*>(vtab));
  sqlite3_free(vtab->zErrMsg);
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

}  // namespace ddb::vtab
