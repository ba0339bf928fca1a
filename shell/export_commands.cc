// .export and .exports (export_commands.h).
#include "shell/export_commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>

#include "engine/export/export_api.h"
#include "engine/sqlite_util.h"

namespace ddb::shell {

namespace {

using table_export::ExportInfo;

// TIME as DynamoDB's JSON takes a timestamp: seconds since the epoch, from
// seconds or an ISO 8601 UTC time (2026-12-07T08:00:00Z).
Status ParseTime(const std::string& text, std::string* seconds) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (!text.empty() && *end == '\0' && v >= 0) {
    *seconds = text;
    return Status::OK();
  }
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest && (*rest == '\0' || std::string(rest) == "Z")) {
    *seconds = std::to_string(static_cast<long long>(timegm(&tm)));
    return Status::OK();
  }
  return Status::InvalidArgument(".export: --incremental-since " + text +
                                 ": not a time (seconds since 1970, or 2026-12-07T08:00:00Z)");
}

// The table's name out of its ARN ("arn:...:table/NAME[/export/ID]").
std::string TableOfArn(const std::string& arn) {
  size_t at = arn.find(":table/");
  if (at == std::string::npos) return "";
  std::string name = arn.substr(at + 7);
  return name.substr(0, name.find('/'));
}

// Binds the finished export `info` as temp.NAME.
Status Bind(const ExportContext& ctx, const ExportInfo& info, const std::string& name) {
  std::string uri = info.Uri();
  if (uri.empty()) {
    return Status::Corruption("export " + info.arn +
                              " is finished but DescribeExport names no ExportManifest (its "
                              "folder): bind it with CREATE VIRTUAL TABLE temp.NAME USING "
                              "dynamodb_export('s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID')");
  }
  std::string sql = "CREATE VIRTUAL TABLE temp." + sql::QuoteIdentifier(name) +
                    " USING dynamodb_export(" + sql::QuoteLiteral(uri) + ")";
  Status s = sql::Exec(ctx.db, sql);
  if (!s.ok()) return s.WithContext(".export: binding " + uri + " as " + name);
  std::fprintf(ctx.out, "%s: export %s bound as temp.%s\n", info.status.c_str(), uri.c_str(),
               name.c_str());
  return Status::OK();
}

// Follows the export with DescribeExport (after 1 s, then less and less
// often, at most every 15 s) until it is finished, then binds it. Ctrl-C
// stops the waiting, never the export.
Status Follow(const ExportContext& ctx, ExportInfo info, const std::string& name) {
  auto& http = ctx.connection->http();
  uint64_t generation = http.cancel_generation();
  auto start = std::chrono::steady_clock::now();
  auto wait = std::chrono::milliseconds(1000);
  auto attach = [&] {
    return "export " + info.arn + " goes on in DynamoDB; `.export attach " + info.arn +
           (name.empty() ? "" : " AS " + name) + "` binds it when it is done";
  };
  while (info.status == "IN_PROGRESS") {
    if (ctx.progress) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "\r\033[Kexport of %s: in progress, %.0fs (Ctrl-C leaves it running)",
                   TableOfArn(info.table_arn).c_str(), secs);
      std::fflush(stderr);
    }
    for (auto slept = std::chrono::milliseconds(0); slept < wait;
         slept += std::chrono::milliseconds(100)) {
      if (http.cancel_generation() != generation) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Status s = http.cancel_generation() != generation
                   ? Status::Cancelled()
                   : table_export::DescribeExport(ctx.connection->dynamodb(), info.arn, &info);
    if (s.IsCancelled()) {
      if (ctx.progress) std::fputs("\r\033[K", stderr);
      return Status::Cancelled(attach());
    }
    if (!s.ok()) return s;
    wait = std::min(wait * 3 / 2, std::chrono::milliseconds(15000));
  }
  if (ctx.progress) std::fputs("\r\033[K", stderr);
  if (info.status != "COMPLETED") {
    return Status::IOError("export " + info.arn + " " + info.status +
                           (info.failure.empty() ? "" : ": " + info.failure));
  }
  return Bind(ctx, info, name.empty() ? TableOfArn(info.table_arn) + "_export" : name);
}

// Splits off a trailing "AS NAME".
std::vector<std::string> TakeName(std::vector<std::string> words, std::string* name) {
  if (words.size() >= 2 && sqlite3_stricmp(words[words.size() - 2].c_str(), "AS") == 0) {
    *name = words.back();
    words.resize(words.size() - 2);
  }
  return words;
}

}  // namespace

Status ExportCommand(const ExportContext& ctx, const std::vector<std::string>& all) {
  std::string name;
  std::vector<std::string> w = TakeName(all, &name);
  const char* usage =
      "usage: .export TABLE s3://BUCKET/PREFIX [--incremental-since TIME] [--format ion] [AS "
      "NAME], or .export attach ARN [AS NAME]";
  if (w.size() >= 2 && w[1] == "ddl") {
    if (w.size() != 4 || w[2] != "athena") {
      return Status::InvalidArgument("usage: .export ddl athena TABLE");
    }
    sql::Statement ddl;
    Status s = ddl.Prepare(ctx.db, "SELECT dynamodb_export_ddl('athena', ?1)");
    if (!s.ok()) return s;
    ddl.BindText(1, w[3]);
    if (!ddl.Step()) {
      return Status::InvalidArgument(".export ddl: " + std::string(sqlite3_errmsg(ctx.db)));
    }
    std::fputs(reinterpret_cast<const char*>(sqlite3_column_text(ddl.get(), 0)), ctx.out);
    return Status::OK();
  }
  if (w.size() == 3 && w[1] == "attach") {
    ExportInfo info;
    Status s = table_export::DescribeExport(ctx.connection->dynamodb(), w[2], &info);
    if (!s.ok()) return s;
    return Follow(ctx, info, name);
  }
  if (w.size() < 3) return Status::InvalidArgument(usage);
  table_export::StartExportRequest req;
  req.table = ctx.module->DynamoNameOf(w[1]);
  std::string dest = w[2];
  if (dest.rfind("s3://", 0) != 0) return Status::InvalidArgument(usage);
  dest = dest.substr(5);
  size_t slash = dest.find('/');
  req.bucket = dest.substr(0, slash);
  req.prefix = slash == std::string::npos ? "" : dest.substr(slash + 1);
  while (!req.prefix.empty() && req.prefix.back() == '/') req.prefix.pop_back();
  if (req.bucket.empty()) return Status::InvalidArgument(usage);
  for (size_t i = 3; i < w.size(); ++i) {
    if (w[i] == "--incremental-since" && i + 1 < w.size()) {
      Status s = ParseTime(w[++i], &req.incremental_since);
      if (!s.ok()) return s;
    } else if (w[i] == "--format" && i + 1 < w.size()) {
      std::string f = w[++i];
      if (f != "ion" && f != "json") {
        return Status::InvalidArgument(".export: --format json or ion, not " + f);
      }
      req.format = f == "ion" ? "ION" : "DYNAMODB_JSON";
    } else {
      return Status::InvalidArgument(".export: unknown argument " + w[i] + " (" + usage + ")");
    }
  }
  if (ctx.module->options().read_only) {
    return Status::InvalidArgument(ctx.module->options().ReadOnlySession() +
                                   ": .export writes to S3 and is billed (.export attach and "
                                   ".exports still work)");
  }
  dynamodb::TableDescription desc;
  Status s = ctx.connection->dynamodb().DescribeTable(req.table, &desc);
  if (!s.ok()) return s;
  req.table_arn = desc.arn;
  ExportInfo info;
  s = table_export::StartExport(ctx.connection->dynamodb(), req, &info);
  if (!s.ok()) return s;
  std::fprintf(ctx.out, "export %s started\n", info.arn.c_str());
  std::fflush(ctx.out);
  return Follow(ctx, info, name.empty() ? req.table + "_export" : name);
}

Status ExportsCommand(const ExportContext& ctx, const std::vector<std::string>& w) {
  if (w.size() != 2) return Status::InvalidArgument("usage: .exports TABLE");
  std::string table = ctx.module->DynamoNameOf(w[1]);
  dynamodb::TableDescription desc;
  Status s = ctx.connection->dynamodb().DescribeTable(table, &desc);
  if (!s.ok()) return s;
  std::vector<ExportInfo> list;
  s = table_export::ListExports(ctx.connection->dynamodb(), desc.arn, &list);
  if (!s.ok()) return s;
  for (const auto& e : list) {
    std::fprintf(ctx.out, "%s  %s  %s\n", e.arn.c_str(), e.status.c_str(), e.type.c_str());
  }
  return Status::OK();
}

}  // namespace ddb::shell
