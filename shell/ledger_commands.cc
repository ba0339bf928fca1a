// The shell's side of the S3 write ledger (README "Writes", "The ledger"):
// the ledger is set up when ddbsql starts but opened only when needed (an S3
// write, pending entries to recover, .ledger, .recover, .sweep); what a crash
// left pending is recovered once Ctrl-C can skip it, one attempt a request,
// never trying an endpoint again after its first connection failure;
// `.recover ?--other-hosts?` does it again; `.ledger ?forget ID|all?` lists
// (or abandons) pending entries; `.sweep` finds the objects of an S3 column
// that no item references.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/ledger/backend.h"
#include "engine/ledger/ledger.h"
#include "engine/strings.h"
#include "shell/progress.h"
#include "shell/shell.h"
#include "shell/write_confirm.h"
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

// "42s", "5m", "3h", "2d" since `created` ("2026-12-02T21:50:00Z").
std::string Age(const std::string& created) {
  std::tm tm{};
  if (!strptime(created.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return "?";
  int64_t s = static_cast<int64_t>(std::time(nullptr)) - static_cast<int64_t>(timegm(&tm));
  if (s < 0) s = 0;
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 2 * 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

// The objects an entry names: its new one and the ones its item held.
std::vector<std::string> ObjectsOf(const ledger::Intent& i) {
  std::vector<std::string> out;
  if (!i.object_key.empty()) out.push_back("s3://" + i.bucket + "/" + i.object_key);
  for (const auto& k : i.old_object_keys) {
    if (k != i.object_key) out.push_back("s3://" + i.bucket + "/" + k);
  }
  return out;
}

// ConnectionOptions::env with one attempt a request (AWS_MAX_ATTEMPTS=1).
aws::GetEnv OneAttempt(aws::GetEnv base) {
  if (!base) base = aws::ProcessEnv();
  return [base](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_MAX_ATTEMPTS") return std::string("1");
    return base(name);
  };
}

}  // namespace

void Shell::SetUpLedger() {
  // Nothing is opened nor created here: a session that never writes S3
  // and finds nothing pending leaves no state file behind.
  std::shared_ptr<ledger::Ledger> ledger;
  if (args_.ledger.empty()) {
    ledger = ledger::Ledger::Deferred(ledger::Ledger::DefaultPath(), ledger::Ledger::DefaultBase());
  } else {
    ledger = ledger::Ledger::Deferred(args_.ledger, "");
  }
  ledger_ = std::move(ledger);
  module_->writes().set_ledger(ledger_);
}

bool Shell::CanWriteS3() const {
  if (module_->options().read_only) return false;
  for (const auto& [table, t] : module_->codecs().catalog().tables()) {
    for (const auto& [attribute, column] : t.columns) {
      if (column->s3()) return true;
    }
  }
  return false;
}

std::string Shell::LedgerUnreadableText(const Status& s) const {
  std::string why = s.message();
  if (why.rfind("ledger: ", 0) == 0) why.erase(0, 8);
  return "ledger " + ledger_->path() + " cannot be read (" + why + "); move it aside (mv " +
         ledger_->path() + " " + ledger_->path() +
         ".broken) and start again: its pending S3 writes are then not recovered "
         "(.sweep finds the objects they leave)";
}

Status Shell::LedgerUnreadable(const Status& s) {
  std::string text = LedgerUnreadableText(s);
  if (!CanWriteS3()) {
    std::fprintf(stderr, "warning: %s\n", text.c_str());
    return Status::OK();
  }
  return Status::IOError(text);
}

Status Shell::RecoverAtStart() {
  // No file: nothing pending, nothing to create.
  if (!ledger_->Exists()) return Status::OK();
  return Recover(true);
}

Status Shell::RecoverCommand(const std::vector<std::string>& w) {
  if (w.size() == 1) return Recover(false);
  if (w.size() == 2 && w[1] == "--other-hosts") return Recover(false, true);
  return Status::InvalidArgument("Usage: .recover ?--other-hosts?");
}

Status Shell::Recover(bool quiet, bool other_hosts) {
  std::vector<ledger::Intent> pending;
  Status s = ledger_->Pending(&pending);
  if (!s.ok()) return quiet ? LedgerUnreadable(s) : Status::IOError(LedgerUnreadableText(s));
  if (pending.empty()) {
    if (!quiet) std::fprintf(out(), "recover: nothing pending in %s\n", ledger_->path().c_str());
    return Status::OK();
  }
  if (module_->options().read_only) {
    // Recovery deletes S3 objects: a read-only session leaves it for later.
    const bool one = pending.size() == 1;
    if (!quiet) {
      return Status::InvalidArgument("recover: " + module_->options().ReadOnlySession() + ": " +
                                     str::Plural(pending.size(), "pending S3 write") +
                                     (one ? " left as it is" : " left as they are"));
    }
    std::fprintf(stderr, "warning: %s pending in %s %s in a read-only session (%s)\n",
                 str::Plural(pending.size(), "S3 write").c_str(), ledger_->path().c_str(),
                 one ? "is left as it is" : "are left as they are",
                 module_->options().read_only_fixed
                     ? (one ? "a session without --readonly recovers it when it starts"
                            : "a session without --readonly recovers them when it starts")
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
  // At start-up (quiet) one attempt a request: an endpoint that is down
  // costs one connection failure, not the retries and their back-off. The
  // HTTP client is shared, so Ctrl-C (InterruptWatcher) cancels it too.
  std::shared_ptr<Connection> conn = connection_;
  if (quiet) {
    ConnectionOptions options = connection_options_;
    options.env = OneAttempt(options.env);
    options.shared_http = connection_->shared_http();
    options.credentials = connection_->credentials();
    std::shared_ptr<Connection> fast;
    if (Connection::Open(options, &fast).ok()) conn = std::move(fast);
  }
  ledger::AwsBackend backend(conn, who);
  ledger::RecoverOptions options;
  options.other_hosts = other_hosts;
  aws::HttpClient* http = &connection_->http();
  const uint64_t generation = http->cancel_generation();
  options.cancelled = [http, generation] { return http->cancel_generation() != generation; };
  std::atomic<size_t> done{0};
  const size_t total = pending.size();
  options.progress = [&done](size_t n, size_t) { done = n; };
  ledger::RecoveryReport report;
  {
    vtab::Stats stats;
    Progress progress(progress_ && interactive_ && isatty(STDERR_FILENO), &stats, [&done, total] {
      return "recovering S3 writes a crash left pending: " + std::to_string(done.load()) + " of " +
             std::to_string(total) + " (Ctrl-C skips)";
    });
    s = ledger_->Recover(&backend, &report, options);
    progress.Finish();
  }
  if (!s.ok()) return s.WithContext("recover");
  std::FILE* to = quiet ? stderr : out();
  if (!quiet || report.resolved > 0) {
    std::fprintf(to, "recover: %s resolved (%s deleted, %zu kept)\n",
                 str::Plural(report.resolved, "pending S3 write").c_str(),
                 str::Plural(report.objects_deleted, "object").c_str(), report.objects_kept);
  }
  if (report.cancelled) {
    std::fprintf(stderr,
                 "recover: skipped (Ctrl-C): %s left pending in %s (.recover to try again)\n",
                 str::Plural(report.skipped, "S3 write").c_str(), ledger_->path().c_str());
  }
  for (const auto& [endpoint, count] : report.unreachable) {
    std::fprintf(stderr,
                 "recover: %s left pending: %s cannot be reached (%s); .recover once it answers\n",
                 str::Plural(count, "S3 write").c_str(), endpoint.c_str(),
                 report.unreachable_error[endpoint].c_str());
  }
  size_t others = report.other_sessions + report.running + report.other_hosts;
  if (others > 0) {
    std::string why;
    auto part = [&why](size_t n, const char* what) {
      if (n == 0) return;
      why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + what;
    };
    part(report.other_sessions, "of other endpoints or credentials");
    part(report.running, "of processes still running");
    part(report.other_hosts, "of other hosts (resolved when a day old, or .recover --other-hosts)");
    std::fprintf(stderr, "warning: %s in %s %s pending: %s (.ledger lists them)\n",
                 str::Plural(others, "S3 write").c_str(), ledger_->path().c_str(),
                 others == 1 ? "stays" : "stay", why.c_str());
  }
  for (const auto& e : report.errors) std::fprintf(stderr, "recover: %s\n", e.c_str());
  return Status::OK();
}

Status Shell::LedgerCommand(const std::vector<std::string>& w) {
  const char* usage = "Usage: .ledger ?forget ID|all?";
  if (w.size() == 1) {
    std::vector<ledger::Intent> pending;
    Status s = ledger_->Pending(&pending);
    if (!s.ok()) return Status::IOError(LedgerUnreadableText(s));
    if (pending.empty()) {
      std::fprintf(out(), "nothing pending in %s\n", ledger_->path().c_str());
      return Status::OK();
    }
    std::vector<std::vector<std::string>> rows = {
        {"id", "age", "host", "endpoint", "bucket", "table", "key", "state"}};
    for (const auto& i : pending) {
      rows.push_back({std::to_string(i.id), Age(i.created), i.owner_host,
                      i.endpoint + " " + i.s3_endpoint, i.bucket, i.table,
                      i.item_key + " " + i.attribute,
                      std::string("pending, ") + ledger::OwnerName(ledger_->OwnerOf(i))});
    }
    std::vector<size_t> width(rows[0].size(), 0);
    for (const auto& r : rows) {
      for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
    }
    for (const auto& r : rows) {
      std::string line;
      for (size_t c = 0; c < r.size(); ++c) {
        line += r[c];
        if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
      }
      std::fprintf(out(), "%s\n", line.c_str());
    }
    std::fprintf(out(), "%zu pending in %s\n", pending.size(), ledger_->path().c_str());
    return Status::OK();
  }
  if (w.size() != 3 || w[1] != "forget") return Status::InvalidArgument(usage);
  std::vector<int64_t> ids;
  if (w[2] != "all") {
    char* end = nullptr;
    long long id = std::strtoll(w[2].c_str(), &end, 10);
    if (w[2].empty() || *end != '\0' || id <= 0) return Status::InvalidArgument(usage);
    ids.push_back(id);
  }
  std::vector<ledger::Intent> pending;
  Status s = ledger_->Pending(&pending);
  if (!s.ok()) return Status::IOError(LedgerUnreadableText(s));
  size_t matching = ids.empty() ? pending.size()
                                : static_cast<size_t>(std::count_if(
                                      pending.begin(), pending.end(),
                                      [&](const ledger::Intent& i) { return i.id == ids[0]; }));
  if (matching == 0) {
    return Status::InvalidArgument(".ledger forget: no pending entry " +
                                   (ids.empty() ? std::string("at all") : w[2]));
  }
  if (interactive_ && isatty(STDIN_FILENO)) {
    std::fprintf(stderr,
                 "Forget %s? Nobody will resolve them: their objects stay in S3 "
                 "(.sweep finds those no item references). [y/N] ",
                 str::Plural(matching, "pending S3 write").c_str());
    std::fflush(stderr);
    if (!ReadYesNo(stdin)) return Status::Cancelled(".ledger forget: nothing forgotten");
  }
  std::vector<ledger::Intent> forgotten;
  s = ledger_->Forget(ids, &forgotten);
  if (!s.ok()) return s.WithContext(".ledger forget");
  for (const auto& i : forgotten) {
    std::string objects;
    for (const auto& o : ObjectsOf(i)) objects += (objects.empty() ? "" : ", ") + o;
    std::fprintf(out(), "forgot %lld: left %s\n", static_cast<long long>(i.id),
                 objects.empty() ? "no object" : objects.c_str());
  }
  std::fprintf(out(), "%s marked abandoned in %s\n",
               str::Plural(forgotten.size(), "entry", "entries").c_str(), ledger_->path().c_str());
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
  // What may keep an object alive that the sweep cannot see: said before
  // anything is deleted (and before the question on a terminal).
  bool warned = false;
  auto warn = [&] {
    if (warned) return;
    warned = true;
    if (!also_text.empty()) {
      std::fprintf(out(), "references also read from %s\n", also_text.c_str());
    }
    if (loc.layout != codec::S3Location::Layout::kLargeAttribute) {
      std::fprintf(out(),
                   "note: objects named by content may be shared with tables the catalog does "
                   "not declare\n");
    }
    std::fflush(out());
  };
  bool declined = false;
  if (req.remove) {
    bool ask = interactive_ && isatty(STDIN_FILENO);
    req.confirm = [&, ask](const ledger::SweepResult& found) {
      warn();
      if (!ask) return true;
      size_t n = found.orphans.size();
      std::fprintf(stderr,
                   "Delete %s under s3://%s/%s that no item of %s.%s references "
                   "(of %llu listed)? [y/N] ",
                   str::Plural(n, "S3 object").c_str(), req.bucket.c_str(), req.prefix.c_str(),
                   req.table.c_str(), req.attribute.c_str(),
                   static_cast<unsigned long long>(found.listed));
      std::fflush(stderr);
      declined = !ReadYesNo(stdin);
      return !declined;
    };
  }
  ledger::SweepResult result;
  Status s = ledger::Sweep(*connection_, req, &result);
  if (!s.ok()) return s.WithContext(".sweep " + req.table + " " + req.attribute);
  if (declined) {
    size_t n = result.orphans.size();
    return Status::Cancelled(".sweep: nothing deleted (" + str::Plural(n, "orphan") +
                             " left in place)");
  }
  for (const auto& key : result.orphans) {
    std::fprintf(out(), "%s s3://%s/%s\n", req.remove ? "deleted" : "orphan", req.bucket.c_str(),
                 key.c_str());
  }
  std::fprintf(out(),
               "sweep s3://%s/%s: %s, %llu referenced, %llu unreferenced but younger "
               "than the grace period, %s%s\n",
               req.bucket.c_str(), req.prefix.c_str(), str::Plural(result.listed, "object").c_str(),
               static_cast<unsigned long long>(result.referenced),
               static_cast<unsigned long long>(result.young),
               str::Plural(result.orphans.size(), "orphan").c_str(),
               req.remove ? " deleted" : " (dry run: add delete to delete them)");
  warn();
  return Status::OK();
}

}  // namespace ddb::shell
