// The "dynamodb_export" module (dynamodb_export.h): a table's S3 export as
// a read-only virtual table, in the manner of SQLite's csv.c: the table and
// cursor structs, then each xMethod with its contract.
#include "vtab/dynamodb_export.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/export/manifest.h"
#include "engine/export/merge.h"
#include "engine/export/reader.h"
#include "engine/sqlite_util.h"
#include "engine/strings.h"
#include "vtab/codec_columns.h"
#include "vtab/dynamodb_table.h"
#include "vtab/sql_names.h"
#include "vtab/values.h"

namespace ddb::vtab {

namespace {

using table_export::DataFile;
using table_export::ExportLocation;
using table_export::Summary;

// The module's name; the table function's too (eponymous: xCreate ==
// xConnect).
constexpr char kModuleName[] = "dynamodb_export";

// The table function's columns: `item`, then its arguments (hidden):
// `export`, `incremental1`...
constexpr int kFunctionItem = 0;
constexpr int kFunctionExport = 1;

// Sampled items at most (as the dynamodb module's sample=).
constexpr long kMaxSample = 10000;

// An incremental export: where it is, its summary and files.
struct ExportPart {
  ExportLocation location;
  Summary summary;
  std::vector<DataFile> files;
};

// What one read of an export needs: the full export (`location` etc.),
// then incremental ones laid over it.
struct ExportData {
  ExportLocation location;
  Summary summary;
  std::vector<DataFile> files;
  std::vector<ExportPart> increments;
  std::shared_ptr<const table_export::ChangeSet> changes;  // empty without increments
  int64_t items = 0;  // the full export's manifests' item count
};

// Incremental exports the table function takes after the full one, and
// its columns: item, export, incremental1..incremental8.
constexpr int kFunctionIncrements = 8;
constexpr int kFunctionColumns = kFunctionExport + 1 + kFunctionIncrements;

// The virtual table. `base` must come first: SQLite hands us &base.
struct ExportTable {
  sqlite3_vtab base;
  ModuleContext* ctx = nullptr;
  std::shared_ptr<Connection> conn;
  std::string table;  // the source table's name ("" when unknown)
  // CREATE VIRTUAL TABLE: the export, read once. The table function
  // (`function`): the last export its arguments named, kept for the next
  // scan of the same arguments (a join scans it again).
  std::shared_ptr<const ExportData> data;
  bool function = false;
  std::vector<std::string> data_args;  // the arguments `data` was read for
  std::vector<std::string> keys;       // key attribute names, partition key first
  std::vector<Column> columns;
  int item_column = -1;
  std::unique_ptr<TableCodecs> codecs;
  CursorCodecs::Source codec_source;
};

// A scan of the export. `base` must come first: SQLite hands us &base.
struct ExportCursor {
  sqlite3_vtab_cursor base;
  std::shared_ptr<const ExportData> data;
  // The table function's arguments by column (kFunctionExport on), and
  // which were given (bit per column).
  std::vector<std::string> args;
  int arg_mask = 0;
  std::unique_ptr<table_export::MergedReader> reader;
  dynamodb::ItemPage page;
  uint64_t page_number = 0;  // for the read-ahead of S3 columns (codec_columns.h)
  size_t pos = 0;
  bool eof = true;
  sqlite3_int64 rowid = 0;
  // The current row's attributes, found by name as far as asked.
  dynamodb::CheckedItemAttributes attributes;
  size_t attributes_pos = SIZE_MAX;
  CursorCodecs codecs;
};

// What `.export ddl athena` needs of a bound export, by table name.
struct DdlSource {
  std::string data;  // s3://BUCKET/FOLDER/data/
  table_export::OutputFormat format = table_export::OutputFormat::kDynamoDbJson;
  bool incremental = false;
  std::vector<Column> columns;
  std::vector<std::string> codecs;  // per column: "codec gzip" or ""
};

// The module's client data: the session's context and what each bound
// export's DDL is made of (dynamodb_export_ddl()).
struct ExportModule {
  ModuleContext* ctx = nullptr;
  std::mutex mu;
  std::map<std::string, DdlSource> ddl;  // by lower-case table name
};

// A small object of the export at `location` (a manifest), whole, checked
// against its .md5 and .checksum files where they exist.
Status GetManifest(Connection& conn, const ExportLocation& location, const std::string& name,
                   std::string* body) {
  s3::GetObjectRequest req;
  req.bucket = location.bucket;
  req.key = location.folder + name;
  Status s = conn.s3()->GetObject(req, body);
  if (s.IsNotFound()) {
    return Status::NotFound("export " + location.Uri() + ": no " + name +
                            " (is this the AWSDynamoDB/EXPORT_ID folder of a finished export?)");
  }
  if (!s.ok()) return s;
  // Its checksum files, where the export has them (manifest.h).
  for (const std::string& sum_name : table_export::ChecksumNames(name)) {
    std::string sum;
    s3::GetObjectRequest sum_req;
    sum_req.bucket = location.bucket;
    sum_req.key = location.folder + sum_name;
    s = conn.s3()->GetObject(sum_req, &sum);
    if (s.IsNotFound()) continue;
    if (s.ok()) {
      bool md5_file = sum_name.ends_with(".md5");
      s = table_export::CheckManifestChecksum(*body, sum, location.UriOf(name),
                                              location.UriOf(sum_name), md5_file);
      // A .checksum in a form AWS does not document is not checked.
      if (!md5_file && s.code() == Status::Code::kNotSupported) s = Status::OK();
    }
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// Reads and checks both manifests of the export at `uri` into `part`.
Status ReadManifests(Connection& conn, const std::string& uri, ExportPart* part) {
  Status s = table_export::ParseExportUri(uri, &part->location);
  if (!s.ok()) return s;
  const ExportLocation& loc = part->location;
  std::string body;
  s = GetManifest(conn, loc, "manifest-summary.json", &body);
  if (s.ok())
    s = table_export::ParseSummary(body, loc.UriOf("manifest-summary.json"), &part->summary);
  if (!s.ok()) return s;
  // Where manifestFilesS3Key points, relative to the export's folder.
  std::string files_name = part->summary.manifest_files_key;
  if (size_t slash = files_name.rfind('/'); slash != std::string::npos) {
    files_name = files_name.substr(slash + 1);
  }
  s = GetManifest(conn, loc, files_name, &body);
  if (s.ok()) s = table_export::ParseManifestFiles(body, loc.UriOf(files_name), &part->files);
  if (!s.ok()) return s;
  int64_t items = 0;
  for (const auto& f : part->files) items += f.item_count;
  if (part->summary.item_count >= 0 && part->summary.item_count != items) {
    return Status::Corruption("export " + loc.Uri() + ": manifest-summary.json says " +
                              std::to_string(part->summary.item_count) +
                              " items, its files' itemCounts add up to " + std::to_string(items));
  }
  return Status::OK();
}

// The full export and the incremental ones, checked to fit together: the
// first full, the others incremental, all of one table.
Status ReadExports(Connection& conn, const std::string& uri,
                   const std::vector<std::string>& increments, ExportData* d) {
  ExportPart full;
  Status s = ReadManifests(conn, uri, &full);
  if (!s.ok()) return s;
  if (full.summary.type != table_export::ExportType::kFull) {
    return Status::InvalidArgument("export " + full.location.Uri() +
                                   " is an incremental export: give the full export first, then "
                                   "the incremental ones");
  }
  d->location = full.location;
  d->summary = full.summary;
  d->files = std::move(full.files);
  for (const auto& f : d->files) d->items += f.item_count;
  for (const auto& u : increments) {
    ExportPart part;
    s = ReadManifests(conn, u, &part);
    if (!s.ok()) return s;
    if (part.summary.type != table_export::ExportType::kIncremental) {
      return Status::InvalidArgument("export " + part.location.Uri() +
                                     " is a full export: only the first may be");
    }
    if (!part.summary.table_arn.empty() && !d->summary.table_arn.empty() &&
        part.summary.table_arn != d->summary.table_arn) {
      return Status::InvalidArgument("export " + part.location.Uri() + " is of " +
                                     part.summary.table_arn + ", the full export of " +
                                     d->summary.table_arn);
    }
    d->increments.push_back(std::move(part));
  }
  return Status::OK();
}

// Reads every change of the incremental exports (they are small beside the
// full export: changes over a window) into d->changes.
Status ReadChanges(Connection& conn, ExportData* d) {
  auto changes = std::make_shared<table_export::ChangeSet>();
  for (const auto& part : d->increments) {
    table_export::ReadOptions options;
    options.changes = true;
    table_export::ExportReader reader(conn.s3(), part.location, part.files, part.summary.format,
                                      options);
    dynamodb::ItemPage page;
    for (bool done = false;;) {
      Status s = reader.Next(&page, &done);
      if (s.ok() && !done) s = changes->AddPage(page);
      if (!s.ok()) return s.WithContext("export " + part.location.Uri());
      if (done) break;
    }
  }
  d->changes = std::move(changes);
  return Status::OK();
}

// The key attributes: from keys= when given, else from DescribeTable of
// the source table when it can be described, else none.
void FindKeys(ExportTable* t, const std::string& keys_arg,
              std::map<std::string, std::string>* types) {
  if (!keys_arg.empty()) {
    for (std::string_view rest = keys_arg; !rest.empty();) {
      size_t comma = rest.find(',');
      std::string name(str::Trim(rest.substr(0, comma)));
      if (!name.empty()) t->keys.push_back(name);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    return;
  }
  // Else the incremental exports' Keys name them (in name order).
  std::vector<std::string> from_changes = t->data->changes->key_names();
  if (t->table.empty()) {
    t->keys = from_changes;
    return;
  }
  dynamodb::TableDescription desc;
  if (!t->ctx->DescribedBefore(t->table, &desc)) {
    if (!t->conn->dynamodb().DescribeTable(t->table, &desc).ok()) {
      t->keys = from_changes;
      return;
    }
    t->ctx->stats().requests++;
    t->ctx->NoteDescribed(t->table, desc);
  }
  t->keys.push_back(desc.key.hash.name);
  (*types)[desc.key.hash.name] = desc.key.hash.type;
  if (desc.key.range) {
    t->keys.push_back(desc.key.range->name);
    (*types)[desc.key.range->name] = desc.key.range->type;
  }
}

// The attributes of the first `sample` items, each with the type most seen
// ("" when mixed), by name.
Status SampleAttributes(ExportTable* t, long sample, std::map<std::string, std::string>* out) {
  if (sample == 0) return Status::OK();
  table_export::ReadOptions options;
  options.files_in_flight = 1;
  options.page_bytes = 64 << 10;
  options.queue_pages = 1;
  table_export::ExportReader reader(t->conn->s3(), t->data->location, t->data->files,
                                    t->data->summary.format, options);
  std::map<std::string, std::map<std::string, int>> seen;
  long n = 0;
  dynamodb::ItemPage page;
  bool done = false;
  while (n < sample) {
    Status s = reader.Next(&page, &done);
    if (!s.ok()) return s;
    if (done) break;
    for (size_t i = 0; i < page.item_texts.size() && n < sample; ++i, ++n) {
      dynamodb::Item item;
      s = dynamodb::ItemFromWireJsonText(page.item_texts[i], &item);
      if (!s.ok()) return s;
      for (const auto& [name, value] : item) {
        seen[name][dynamodb::AttributeValue::TypeName(value.type())]++;
      }
    }
  }
  // The incremental exports' new images may hold attributes the full one lacks.
  Status s = t->data->changes->Survivors(&page);
  for (size_t i = 0; s.ok() && i < page.item_texts.size() && i < static_cast<size_t>(sample); ++i) {
    dynamodb::Item item;
    s = dynamodb::ItemFromWireJsonText(page.item_texts[i], &item);
    for (const auto& [name, value] : item) {
      seen[name][dynamodb::AttributeValue::TypeName(value.type())]++;
    }
  }
  if (!s.ok()) return s;
  for (const auto& [name, types] : seen) {
    (*out)[name] = types.size() == 1 ? types.begin()->first : "";
  }
  return Status::OK();
}

// Keys, sampled attributes, codec columns, then `item`, named as the
// dynamodb module names them (sql_names.h).
void BuildColumns(ExportTable* t, const std::map<std::string, std::string>& key_types,
                  const std::map<std::string, std::string>& sampled,
                  const std::map<std::string, std::shared_ptr<const codec::Column>>& decls) {
  std::vector<Column> cols;
  auto add = [&](const std::string& attr, const std::string& type) {
    for (const auto& c : cols) {
      if (c.attribute == attr) return;
    }
    cols.push_back({attr, attr, type, false});
  };
  for (const auto& k : t->keys) {
    auto typed = key_types.find(k);
    auto seen = sampled.find(k);
    add(k, typed != key_types.end() ? typed->second : seen != sampled.end() ? seen->second : "");
  }
  for (const auto& [name, type] : sampled) add(name, type);
  for (const auto& [name, c] : decls) add(name, "");
  std::vector<std::string> attributes;
  for (const auto& c : cols) attributes.push_back(c.attribute);
  std::vector<std::string> names = DistinctSqlNames(attributes, {"item"});
  for (size_t i = 0; i < cols.size(); ++i) cols[i].name = names[i];
  cols.push_back({"item", "", "", true});
  t->item_column = static_cast<int>(cols.size()) - 1;
  t->columns = std::move(cols);
}

// The codec columns' decoding, as the dynamodb module sets it up.
void AttachCodecs(ExportTable* t,
                  const std::map<std::string, std::shared_ptr<const codec::Column>>& decls) {
  if (decls.empty()) return;
  std::vector<std::shared_ptr<const codec::Column>> by_column(t->columns.size());
  for (size_t i = 0; i < t->columns.size(); ++i) {
    auto it = decls.find(t->columns[i].attribute);
    if (it != decls.end() && !t->columns[i].hidden) by_column[i] = it->second;
  }
  t->codecs = std::make_unique<TableCodecs>(t->table, std::move(by_column));
  t->codec_source.codecs = t->codecs.get();
  t->codec_source.keys = t->keys;
  t->codec_source.session = &t->ctx->codecs();
  t->codec_source.connection = t->conn;
  t->codec_source.stats = &t->ctx->stats();
}

// The table function: a fixed schema (the item and the arguments, hidden),
// the export read in xFilter from the arguments.
int ConnectFunction(sqlite3* db, std::unique_ptr<ExportTable> t, sqlite3_vtab** out, char** err) {
  std::string sql = "CREATE TABLE x(item, export HIDDEN";
  for (int i = 1; i <= kFunctionIncrements; ++i) {
    sql += ", incremental" + std::to_string(i) + " HIDDEN";
  }
  sql += ")";
  int rc = sqlite3_declare_vtab(db, sql.c_str());
  if (rc != SQLITE_OK) {
    *err = sqlite3_mprintf("dynamodb_export(): cannot declare columns: %s", sqlite3_errmsg(db));
    return rc;
  }
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  t->function = true;
  t->item_column = kFunctionItem;
  *out = &t.release()->base;
  return SQLITE_OK;
}

// Contract: argv[3..] are the USING arguments (dynamodb_export.h); none on
// the eponymous table (the table function, ConnectFunction). Reads
// and checks both manifests, describes the source table when it can (for
// its keys), samples the first items, and declares the columns. Errors
// name the export (or the file). Nothing is written anywhere.
int ExportConnect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
                  char** err) {
  auto* module = static_cast<ExportModule*>(aux);
  ModuleContext* ctx = module->ctx;
  auto t = std::make_unique<ExportTable>();
  std::memset(&t->base, 0, sizeof(t->base));
  t->ctx = ctx;
  t->conn = ctx->shared_connection();
  if (argc == 3 && sqlite3_stricmp(argv[2], kModuleName) == 0) {
    return ConnectFunction(db, std::move(t), out, err);
  }
  std::string uri;
  std::vector<std::string> increments;  // incremental exports' URIs, in order
  std::string keys_arg;
  std::string catalog;
  bool table_given = false;
  long sample = ctx->options().sample_items;
  for (int i = 3; i < argc; ++i) {
    std::string_view arg = argv[i];
    size_t eq = arg.find('=');
    std::string key = eq == std::string_view::npos ? "" : UnquoteArgument(arg.substr(0, eq));
    std::string value = UnquoteArgument(eq == std::string_view::npos ? arg : arg.substr(eq + 1));
    if (key.empty()) key = i == 3 ? "export" : "incremental";
    if (key == "export") {
      uri = value;
    } else if (key == "incremental") {
      increments.push_back(value);
    } else if (key == "table") {
      t->table = value;
      table_given = true;
    } else if (key == "keys") {
      keys_arg = value;
    } else if (key == "catalog") {
      catalog = value;
    } else if (key == "sample") {
      char* end = nullptr;
      sample = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || sample < 0 || sample > kMaxSample) {
        *err = sqlite3_mprintf(
            "dynamodb_export(%s): sample must be a whole number from 0 to %ld, "
            "not '%s'",
            argv[2], kMaxSample, value.c_str());
        return SQLITE_ERROR;
      }
    } else {
      *err = sqlite3_mprintf(
          "dynamodb_export(%s): unknown argument '%s' (export, incremental, table, keys, "
          "sample, catalog)",
          argv[2], std::string(arg).c_str());
      return SQLITE_ERROR;
    }
  }
  if (uri.empty()) {
    *err = sqlite3_mprintf(
        "dynamodb_export(%s): no export given "
        "('s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID'; or, without CREATE, "
        "SELECT ... FROM dynamodb_export('s3://...'))",
        argv[2]);
    return SQLITE_ERROR;
  }
  auto data = std::make_shared<ExportData>();
  Status s = ReadExports(*t->conn, uri, increments, data.get());
  if (s.ok()) s = ReadChanges(*t->conn, data.get());
  t->data = data;
  if (s.ok() && !table_given) t->table = data->summary.TableName();
  std::map<std::string, std::shared_ptr<const codec::Column>> decls;
  if (s.ok() && !t->table.empty()) {
    s = TableCodecs::Collect(&ctx->codecs(), t->table, catalog, &decls);
    const codec::TableDecl* decl = ctx->codecs().catalog().Find(t->table);
    if (s.ok() && decl && decl->item_encryption) {
      s = Status::NotSupported("table " + t->table +
                               ": item_encryption tables cannot be read from an export yet");
    }
  } else if (s.ok() && !catalog.empty()) {
    s = Status::InvalidArgument("catalog= needs the table's name (table=): tableArn gives none");
  }
  std::map<std::string, std::string> key_types;
  std::map<std::string, std::string> sampled;
  if (s.ok()) {
    FindKeys(t.get(), keys_arg, &key_types);
    s = SampleAttributes(t.get(), sample, &sampled);
  }
  if (!s.ok()) {
    *err = sqlite3_mprintf("dynamodb_export(%s): %s", argv[2], s.ToString().c_str());
    return s.IsCancelled() ? SQLITE_INTERRUPT : SQLITE_ERROR;
  }
  BuildColumns(t.get(), key_types, sampled, decls);
  AttachCodecs(t.get(), decls);
  int rc = sqlite3_declare_vtab(db, CreateTableSql(t->columns, t->codecs.get()).c_str());
  if (rc != SQLITE_OK) {
    *err = sqlite3_mprintf("dynamodb_export(%s): cannot declare columns: %s", argv[2],
                           sqlite3_errmsg(db));
    return rc;
  }
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  DdlSource ddl;
  ddl.data = data->location.UriOf("data/");
  ddl.format = data->summary.format;
  ddl.incremental = !data->increments.empty();
  ddl.columns = t->columns;
  for (size_t i = 0; i < t->columns.size(); ++i) {
    const codec::Column* cc = t->codecs ? t->codecs->At(static_cast<int>(i)) : nullptr;
    ddl.codecs.push_back(!cc ? "" : cc->codec() == "chain" ? cc->chain().Describe() : cc->codec());
  }
  {
    std::lock_guard<std::mutex> lock(module->mu);
    module->ddl[str::Lower(argv[2])] = std::move(ddl);
  }
  *out = &t.release()->base;
  return SQLITE_OK;
}

// Contract: frees the table; the export is left as it is.
int ExportDisconnect(sqlite3_vtab* vtab) {
  std::unique_ptr<ExportTable> t(reinterpret_cast<ExportTable*>(vtab));
  sqlite3_free(vtab->zErrMsg);
  return SQLITE_OK;
}

// The table function's plan: its arguments are = constraints on the hidden
// columns, handed to xFilter in column order (idxNum: a bit per column).
// SQLITE_CONSTRAINT while one cannot be used yet (a join's other order);
// an error when no export is given at all.
int FunctionBestIndex(ExportTable* t, sqlite3_index_info* info) {
  int by_column[kFunctionColumns];
  std::fill(std::begin(by_column), std::end(by_column), -1);
  bool unusable = false;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.iColumn < kFunctionExport || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c.usable) {
      unusable = true;
    } else {
      by_column[c.iColumn] = i;
    }
  }
  // Without every argument xColumn would give NULL for the one left out.
  if (unusable) return SQLITE_CONSTRAINT;
  if (by_column[kFunctionExport] < 0) {
    SetError(&t->base,
             "dynamodb_export(): no export given (SELECT ... FROM dynamodb_export("
             "'s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID' [, incremental exports]))");
    return SQLITE_ERROR;
  }
  int argv_index = 0;
  info->idxNum = 0;
  for (int col = kFunctionExport; col < kFunctionColumns; ++col) {
    int k = by_column[col];
    if (k < 0) continue;
    info->aConstraintUsage[k].argvIndex = ++argv_index;
    info->aConstraintUsage[k].omit = 1;
    info->idxNum |= 1 << col;
  }
  info->estimatedRows = 1000000;
  info->estimatedCost = 1e7;
  return SQLITE_OK;
}

// Contract: every plan is a read of every file: no constraint is used (the
// files are in no key order); the cost grows with the export's items. The
// table function's: FunctionBestIndex.
int ExportBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  auto* t = reinterpret_cast<ExportTable*>(vtab);
  if (t->function) return FunctionBestIndex(t, info);
  info->estimatedRows = t->data->items;
  info->estimatedCost = 1e6 + static_cast<double>(t->data->items) * 10;
  return SQLITE_OK;
}

// Contract: a cursor that reads nothing until xFilter.
int ExportOpen(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto c = std::make_unique<ExportCursor>();
  std::memset(&c->base, 0, sizeof(c->base));
  *out = &c.release()->base;
  return SQLITE_OK;
}

// Contract: stops the cursor's reads (a GET in flight finishes) and frees it.
int ExportClose(sqlite3_vtab_cursor* cur) {
  std::unique_ptr<ExportCursor>(reinterpret_cast<ExportCursor*>(cur)).reset();
  return SQLITE_OK;
}

// The next page of `c` into c->page, or eof.
int NextPage(ExportCursor* c, ExportTable* t) {
  bool done = false;
  c->pos = 0;
  ++c->page_number;
  c->attributes_pos = SIZE_MAX;
  Status s = c->reader->Next(&c->page, &done);
  if (!s.ok()) {
    SetError(&t->base, s.ToString());
    return ErrorCode(s);
  }
  c->eof = done;
  if (!done) {
    t->ctx->stats().rows += c->page.item_texts.size();
  }
  return SQLITE_OK;
}

// The table function's arguments (FunctionBestIndex's order) into c->args
// and the export they name into c->data: the table's when the same
// arguments read it last, else read and checked now.
Status FunctionArguments(ExportCursor* c, ExportTable* t, int mask, sqlite3_value** argv) {
  c->args.assign(kFunctionColumns, "");
  c->arg_mask = mask;
  std::vector<std::string> given;
  int n = 0;
  for (int col = kFunctionExport; col < kFunctionColumns; ++col) {
    if (!(mask & (1 << col))) continue;
    const unsigned char* v = sqlite3_value_text(argv[n++]);
    if (!v) {
      return Status::InvalidArgument(col == kFunctionExport
                                         ? std::string("the export is NULL")
                                         : "incremental export " +
                                               std::to_string(col - kFunctionExport) + " is NULL");
    }
    c->args[static_cast<size_t>(col)] = reinterpret_cast<const char*>(v);
    given.push_back(c->args[static_cast<size_t>(col)]);
  }
  if (t->data && t->data_args == given) {
    c->data = t->data;
    return Status::OK();
  }
  auto data = std::make_shared<ExportData>();
  Status s = ReadExports(*t->conn, given[0], {given.begin() + 1, given.end()}, data.get());
  if (s.ok()) s = ReadChanges(*t->conn, data.get());
  if (!s.ok()) return s;
  // The function decodes nothing, but an item_encryption table's items are
  // ciphertexts: refused as CREATE VIRTUAL TABLE refuses them, never shown
  // as if they were the values.
  std::string table = data->summary.TableName();
  const codec::TableDecl* decl = table.empty() ? nullptr : t->ctx->codecs().catalog().Find(table);
  if (decl && decl->item_encryption) {
    return Status::NotSupported("table " + table +
                                ": item_encryption tables cannot be read from an export yet");
  }
  t->data = data;
  t->data_args = std::move(given);
  c->data = std::move(data);
  return Status::OK();
}

// Contract: starts reading every data file (a few in flight, reader.h);
// the first page arrives before it returns. Errors name the file. The
// table function reads its arguments' manifests first (errors name them).
int ExportFilter(sqlite3_vtab_cursor* cur, int idx_num, const char*, int, sqlite3_value** argv) {
  auto* c = reinterpret_cast<ExportCursor*>(cur);
  auto* t = reinterpret_cast<ExportTable*>(cur->pVtab);
  c->reader.reset();
  c->eof = true;
  if (t->function) {
    Status s = FunctionArguments(c, t, idx_num, argv);
    if (!s.ok()) {
      SetError(&t->base, "dynamodb_export(): " + s.ToString());
      return s.IsCancelled() ? SQLITE_INTERRUPT : SQLITE_ERROR;
    }
  } else {
    c->data = t->data;
  }
  table_export::ReadOptions options;
  Stats& st = t->ctx->stats();
  options.counters = {&st.export_files, &st.export_bytes, &st.export_items};
  auto full = std::make_unique<table_export::ExportReader>(
      t->conn->s3(), c->data->location, c->data->files, c->data->summary.format, options);
  c->reader = std::make_unique<table_export::MergedReader>(std::move(full), c->data->changes);
  c->rowid = 0;
  return NextPage(c, t);
}

// Contract: the next item; the next page when this one is done.
int ExportNext(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<ExportCursor*>(cur);
  ++c->rowid;
  if (++c->pos < c->page.item_texts.size()) return SQLITE_OK;
  return NextPage(c, reinterpret_cast<ExportTable*>(cur->pVtab));
}

// Contract: true past the last item of the last file.
int ExportEof(sqlite3_vtab_cursor* cur) { return reinterpret_cast<ExportCursor*>(cur)->eof; }

// Contract: column `i` of the current item as values.h maps it (NULL when
// the item lacks it), `item` the whole item as JSON, a codec column decoded
// (codec_columns.h) with errors naming the table, the key and the column.
// The table function's hidden columns give its arguments.
int ExportColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int i) {
  auto* c = reinterpret_cast<ExportCursor*>(cur);
  auto* t = reinterpret_cast<ExportTable*>(cur->pVtab);
  if (t->function && i != kFunctionItem) {
    if (c->arg_mask & (1 << i)) {
      const std::string& arg = c->args[static_cast<size_t>(i)];
      sqlite3_result_text(ctx, arg.data(), static_cast<int>(arg.size()), SQLITE_TRANSIENT);
    } else {
      sqlite3_result_null(ctx);
    }
    return SQLITE_OK;
  }
  if (t->codecs && t->codecs->At(i)) {
    CursorPosition at;  // within the page: the export reader has no peek
    at.page = &c->page;
    at.page_number = c->page_number;
    at.row = c->pos;
    Status s = c->codecs.Result(ctx, t->codec_source, i, at);
    if (!s.ok()) SetError(cur->pVtab, s.ToString());
    return s.ok() ? SQLITE_OK : ErrorCode(s);
  }
  std::string_view text = c->page.item_texts[c->pos];
  if (i == t->item_column) {
    ResultWireItemJson(ctx, text);
    return SQLITE_OK;
  }
  if (c->attributes_pos != c->pos) {
    c->attributes.Reset(text);
    c->attributes_pos = c->pos;
  }
  std::string_view value;
  bool found = false;
  Status s = c->attributes.Find(t->columns[static_cast<size_t>(i)].attribute, &value, &found);
  if (!s.ok()) {
    SetError(cur->pVtab, "export " + c->data->location.Uri() + ": " + s.ToString());
    return SQLITE_ERROR;
  }
  if (found) {
    ResultWireAttribute(ctx, value);
  } else {
    sqlite3_result_null(ctx);
  }
  return SQLITE_OK;
}

// Contract: the item's position in this scan (exports have no other id).
int ExportRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = reinterpret_cast<ExportCursor*>(cur)->rowid;
  return SQLITE_OK;
}

sqlite3_module kExportModule = {
    /* iVersion    */ 0,
    /* xCreate     */ ExportConnect,
    /* xConnect    */ ExportConnect,
    /* xBestIndex  */ ExportBestIndex,
    /* xDisconnect */ ExportDisconnect,
    /* xDestroy    */ ExportDisconnect,
    /* xOpen       */ ExportOpen,
    /* xClose      */ ExportClose,
    /* xFilter     */ ExportFilter,
    /* xNext       */ ExportNext,
    /* xEof        */ ExportEof,
    /* xColumn     */ ExportColumn,
    /* xRowid      */ ExportRowid,
    /* xUpdate     */ nullptr,
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

// `name` as a Hive identifier in backticks.
std::string HiveName(const std::string& name) {
  std::string out = "`";
  for (char c : name) out += c == '`' ? std::string("``") : std::string(1, c);
  return out + "`";
}

// The Hive type of an attribute's typed JSON value ({"S": ...}) and the
// Athena expression that gives the value ddbsql shows, from `field`
// (Item.`name`).
void AthenaColumn(const std::string& type, const std::string& field, std::string* hive,
                  std::string* expr) {
  if (type == "S") {
    *hive = "struct<S:string>";
    *expr = field + ".S";
  } else if (type == "N") {
    *hive = "struct<N:string>";
    *expr = "TRY_CAST(" + field + ".N AS DOUBLE)";
  } else if (type == "B") {
    *hive = "struct<B:string>";
    *expr = "from_base64(" + field + ".B)";
  } else if (type == "BOOL") {
    *hive = "struct<BOOL:boolean>";
    *expr = field + ".BOOL";
  } else if (type == "SS" || type == "NS" || type == "BS") {
    *hive = "struct<" + type + ":array<string>>";
    *expr = "json_format(CAST(" + field + "." + type + " AS JSON))";
  } else {
    // M, L or mixed types: the attribute's DynamoDB JSON as text.
    *hive = "string";
    *expr = field;
  }
}

// The Athena (Hive) DDL of a bound export: an external table over its
// data/ folder (DynamoDB JSON, one {"Item": ...} a line) and a view with
// ddbsql's columns.
Status AthenaDdl(const std::string& name, const DdlSource& src, std::string* out) {
  if (src.format != table_export::OutputFormat::kDynamoDbJson) {
    return Status::NotSupported("table " + name +
                                ": Athena DDL is written for DYNAMODB_JSON exports only");
  }
  if (src.incremental) {
    return Status::NotSupported("table " + name +
                                ": Athena DDL maps one full export; the incremental exports laid "
                                "over it here have no such view");
  }
  std::string raw = name + "_raw";
  std::string fields;
  std::string select;
  for (size_t i = 0; i < src.columns.size(); ++i) {
    const Column& c = src.columns[i];
    if (c.hidden) continue;
    // DML quotes names with '"' (Trino), DDL with '`' (Hive).
    std::string field = "Item." + sql::QuoteIdentifier(c.attribute);
    std::string hive;
    std::string expr;
    AthenaColumn(c.type, field, &hive, &expr);
    fields +=
        std::string(fields.empty() ? "" : ",\n") + "    " + HiveName(c.attribute) + ": " + hive;
    select += select.empty() ? "" : ",\n";
    if (!src.codecs[i].empty()) {
      select += "  -- codec column (" + src.codecs[i] + "): its stored form, not decoded\n";
    }
    select += "  " + expr + " AS \"" + c.name + "\"";
  }
  *out = "-- Athena (Hive) DDL for the export in " + src.data + ", written by ddbsql.\n" +
         "CREATE EXTERNAL TABLE IF NOT EXISTS " + HiveName(raw) + " (\n  Item struct<\n" + fields +
         ">\n)\nROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\nLOCATION '" + src.data +
         "';\n\nCREATE OR REPLACE VIEW \"" + name + "\" AS\nSELECT\n" + select + "\nFROM \"" + raw +
         "\";\n";
  return Status::OK();
}

// dynamodb_export_ddl('athena', TABLE): the DDL of the bound export TABLE.
void DdlFunc(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* module = static_cast<ExportModule*>(sqlite3_user_data(ctx));
  const char* engine = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const char* table = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  if (!engine || !table || sqlite3_stricmp(engine, "athena") != 0) {
    sqlite3_result_error(ctx, "dynamodb_export_ddl('athena', TABLE)", -1);
    return;
  }
  DdlSource src;
  {
    std::lock_guard<std::mutex> lock(module->mu);
    auto it = module->ddl.find(str::Lower(table));
    if (it == module->ddl.end()) {
      std::string msg = std::string("no export bound as ") + table +
                        " (CREATE VIRTUAL TABLE ... USING dynamodb_export(...), or .export)";
      sqlite3_result_error(ctx, msg.c_str(), -1);
      return;
    }
    src = it->second;
  }
  std::string ddl;
  Status s = AthenaDdl(table, src, &ddl);
  if (!s.ok()) {
    sqlite3_result_error(ctx, s.ToString().c_str(), -1);
    return;
  }
  sqlite3_result_text(ctx, ddl.c_str(), static_cast<int>(ddl.size()), SQLITE_TRANSIENT);
}

}  // namespace

Status RegisterExportModule(sqlite3* db, ModuleContext* context) {
  auto module = std::make_unique<ExportModule>();
  module->ctx = context;
  ExportModule* m = module.get();
  // SQLite owns the module's data from here and frees it at close.
  int rc = sqlite3_create_module_v2(db, kModuleName, &kExportModule, module.release(),
                                    [](void* p) { delete static_cast<ExportModule*>(p); });
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "dynamodb_export_ddl", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, m,
                                 DdlFunc, nullptr, nullptr);
  }
  if (rc != SQLITE_OK) return Status::IOError(std::string("sqlite: ") + sqlite3_errmsg(db));
  return Status::OK();
}

}  // namespace ddb::vtab
