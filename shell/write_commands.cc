// The shell's side of the S3 write ledger (README "Writes"): the ledger is
// opened when ddbsql starts and what a crash left pending is recovered
// before the first statement; `.recover` does it again; `.sweep` finds the
// objects of an S3 column that no item references.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/ledger/backend.h"
#include "engine/ledger/ledger.h"
#include "shell/shell.h"
#include "vtab/write.h"

namespace ddb::shell {

namespace {

// "90", "90s", "15m", "2h", "1d" as seconds; -1 when malformed.
int64_t ParseGrace(const std::string& text) {
  if (text.empty()) return -1;
  char* end = nullptr;
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || n < 0) return -1;
  std::string unit(end);
  if (unit.empty() || unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  if (unit == "d") return n * 86400;
  return -1;
}

}  // namespace

Status Shell::OpenLedger() {
  std::string path = args_.ledger.empty() ? ledger::Ledger::DefaultPath() : args_.ledger;
  std::unique_ptr<ledger::Ledger> opened;
  Status s = ledger::Ledger::Open(path, &opened);
  if (!s.ok()) {
    // Only a ledger the user named must open; writes to S3 columns will
    // say so if the default one cannot.
    return args_.ledger.empty() ? Status::OK() : s;
  }
  ledger_ = std::move(opened);
  module_->writes().set_ledger(ledger_);
  // What a crash left is settled before the first statement. Only pending
  // entries send anything: a ledger with none keeps local work local.
  return Recover(true);
}

Status Shell::Recover(bool quiet) {
  if (!ledger_) {
    std::unique_ptr<ledger::Ledger> opened;
    Status s = ledger::Ledger::Open(
        args_.ledger.empty() ? ledger::Ledger::DefaultPath() : args_.ledger, &opened);
    if (!s.ok()) return s;
    ledger_ = std::move(opened);
    module_->writes().set_ledger(ledger_);
  }
  std::vector<ledger::Intent> pending;
  Status s = ledger_->Pending(&pending);
  if (!s.ok()) return s;
  if (pending.empty()) {
    if (!quiet) std::fprintf(out(), "recover: nothing pending in %s\n", ledger_->path().c_str());
    return Status::OK();
  }
  if (module_->options().read_only) {
    // Recovery deletes S3 objects: a read-only session leaves it for later.
    if (!quiet) {
      return Status::InvalidArgument("recover: " + module_->options().ReadOnlySession() + ": " +
                                     std::to_string(pending.size()) +
                                     " pending S3 writes left as they are");
    }
    std::fprintf(stderr,
                 "warning: %zu S3 writes pending in %s are left as they are in a read-only "
                 "session (%s)\n",
                 pending.size(), ledger_->path().c_str(),
                 module_->options().read_only_fixed
                     ? "a session without --readonly recovers them when it starts"
                     : ".readonly off, then .recover");
    return Status::OK();
  }
  if (!connection_) {
    if (quiet) return Status::OK();  // not connected: nothing can be read
    return connect_error_.WithContext("recover");
  }
  ledger::Session who;
  s = ledger::SessionOf(*connection_, &who);
  if (!s.ok()) {
    if (quiet) return Status::OK();  // no credentials yet: nothing can be read
    return s.WithContext("recover");
  }
  ledger::AwsBackend backend(connection_, who);
  ledger::RecoveryReport report;
  s = ledger_->Recover(&backend, &report);
  if (!s.ok()) return s.WithContext("recover");
  if (!quiet || report.resolved > 0) {
    std::fprintf(quiet ? stderr : out(),
                 "recover: %zu pending S3 writes resolved (%zu objects deleted, %zu kept)\n",
                 report.resolved, report.objects_deleted, report.objects_kept);
  }
  if (report.left_pending > 0) {
    std::fprintf(stderr,
                 "warning: %zu S3 writes in %s stay pending: other endpoints or credentials, a "
                 "process still running, or an error (.recover from a session that has them)\n",
                 report.left_pending, ledger_->path().c_str());
  }
  for (const auto& e : report.errors) std::fprintf(stderr, "recover: %s\n", e.c_str());
  return Status::OK();
}

Status Shell::SweepCommand(const std::vector<std::string>& w) {
  const char* usage = ".sweep TABLE COLUMN ?GRACE? ?delete?";
  if (w.size() < 3 || w.size() > 5) return Status::InvalidArgument("Usage: " + std::string(usage));
  ledger::SweepRequest req;
  req.table = w[1];
  req.attribute = w[2];
  for (size_t i = 3; i < w.size(); ++i) {
    if (w[i] == "delete") {
      req.remove = true;
    } else if (int64_t g = ParseGrace(w[i]); g >= 0) {
      req.grace_seconds = g;
    } else {
      return Status::InvalidArgument(".sweep: '" + w[i] +
                                     "' is neither a grace period (90s, 15m, 2h, 1d) nor delete");
    }
  }
  const codec::TableDecl* decl = module_->codecs().catalog().Find(req.table);
  auto it = decl ? decl->columns.find(req.attribute) : decltype(decl->columns.end())();
  if (!decl || it == decl->columns.end() || !it->second->s3()) {
    return Status::InvalidArgument(".sweep: table " + req.table + ", column " + req.attribute +
                                   ": no S3 column of that name in the catalog");
  }
  const codec::S3Location& loc = *it->second->s3();
  req.bucket = loc.bucket;
  if (loc.layout == codec::S3Location::Layout::kLargeAttribute) {
    req.prefix = loc.prefix.empty() ? "" : loc.prefix + "/";
    req.segment = "attr=" + req.attribute;
  } else {
    req.prefix = loc.key_template.substr(0, loc.key_template.find('{'));
  }
  // Every other declared S3 column of the bucket may reference the same
  // objects (S3Backed* names them by content): its references count too.
  std::string also_text;
  for (const auto& [table, t] : module_->codecs().catalog().tables()) {
    for (const auto& [attribute, column] : t.columns) {
      if (!column->s3() || column->s3()->bucket != req.bucket) continue;
      if (table == req.table && attribute == req.attribute) continue;
      req.also.emplace_back(table, attribute);
      also_text += (also_text.empty() ? "" : ", ") + table + "." + attribute;
    }
  }
  if (req.remove && module_->options().read_only) {
    return Status::InvalidArgument(".sweep ... delete: " + module_->options().ReadOnlySession() +
                                   ": S3 objects are not deleted");
  }
  if (!connection_) return connect_error_.WithContext(".sweep");
  ledger::SweepResult result;
  Status s = ledger::Sweep(*connection_, req, &result);
  if (!s.ok()) return s.WithContext(".sweep " + req.table + " " + req.attribute);
  for (const auto& key : result.orphans) {
    std::fprintf(out(), "%s s3://%s/%s\n", req.remove ? "deleted" : "orphan", req.bucket.c_str(),
                 key.c_str());
  }
  std::fprintf(out(),
               "sweep s3://%s/%s: %llu objects, %llu referenced, %llu unreferenced but younger "
               "than the grace period, %zu orphans%s\n",
               req.bucket.c_str(), req.prefix.c_str(),
               static_cast<unsigned long long>(result.listed),
               static_cast<unsigned long long>(result.referenced),
               static_cast<unsigned long long>(result.young), result.orphans.size(),
               req.remove ? " deleted" : " (dry run: add delete to delete them)");
  if (!also_text.empty()) {
    std::fprintf(out(), "references also read from %s\n", also_text.c_str());
  }
  if (loc.layout != codec::S3Location::Layout::kLargeAttribute) {
    std::fprintf(out(),
                 "note: objects named by content may be shared with tables the catalog does not "
                 "declare\n");
  }
  return Status::OK();
}

}  // namespace ddb::shell
