// The session's DynamoDB connection, made lazily: local work (SELECT 1, local
// tables, .import, ATTACH) needs no credentials, region or reachable
// endpoint. Settings are resolved at start without sending anything; the
// DynamoDB tables are listed the first time a statement names a table
// SQLite does not know (or .tables, .schema, .indexes, completion ask). A
// listing that fails (the endpoint down, Ctrl-C) is not for good: the next
// statement that needs DynamoDB lists again, and says why if it fails again.
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <string>

#include "engine/strings.h"
#include "shell/progress.h"
#include "shell/shell.h"
#include "vtab/codec_functions.h"

#ifndef DDBSQL_VERSION
#define DDBSQL_VERSION "unknown"
#endif

namespace ddb::shell {

namespace {
// How long DynamoDB requests go unanswered before the progress line says
// what it waits for.
constexpr std::chrono::milliseconds kQuietBeforeWaiting(1000);
}  // namespace

std::string Shell::VersionText() {
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  std::string text = std::string("ddbsql ") + DDBSQL_VERSION + "\n";
  text += std::string("SQLite ") + sqlite3_libversion() + " (" + sqlite3_sourceid() + ")\n";
  text += std::string("libcurl ") + (curl && curl->version ? curl->version : "unknown");
  if (curl && curl->ssl_version) text += std::string(" (") + curl->ssl_version + ")";
  text += "\n";
  text += std::string(OpenSSL_version(OPENSSL_VERSION)) + "\n";
  return text;
}

void Shell::ConfigureModule(vtab::ModuleContext* module) {
  module->options().scan_segments = args_.parallel;
  module->options().consistent_read = args_.consistent;
  module->options().read_only = args_.readonly;
  module->options().read_only_fixed = readonly_fixed_;
  // Schema on start from the cache: a script's point lookup costs the lookup.
  module->options().schema_cache_dir = vtab::SchemaCache::DefaultDir();
  // Scripts never ask: only a person at the terminal is asked before a
  // large full Scan.
  if (interactive_) {
    module->confirm_scan = [this](const vtab::ScanEstimate& e) { return ConfirmScan(e); };
  }
}

void Shell::OpenConnection() {
  connection_options_.overrides = args_.overrides;
  connect_error_ = Connection::Open(connection_options_, &connection_);
  if (!connect_error_.ok()) connection_.reset();
  live_connection_ = connection_.get();
  // Without a connection the module stays unregistered: a statement using
  // it fails to prepare ("no such module: dynamodb"), which says the error.
  module_ = std::make_unique<vtab::ModuleContext>(connection_, connection_options_);
  ConfigureModule(module_.get());
  if (connection_) {
    Status s = vtab::RegisterModule(db_, module_.get());
    if (!s.ok()) connect_error_ = s;
  } else {
    // gunzip(), zstd_decompress() and decrypt() need no AWS; s3_get() says
    // why it cannot reach S3.
    vtab::CodecSession* codecs = &module_->codecs();
    vtab::RegisterCodecFunctions(
        db_, {nullptr, codecs->keys(), "not connected: " + connect_error_.ToString(),
              [codecs] { return codecs->max_decoded_bytes(); }});
  }
}

bool Shell::NeedsDynamoDb(const std::string& message) const {
  if (tables_listed_) return false;
  for (const char* prefix : {"no such table:", "no such module:", "no such function:"}) {
    if (message.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

bool Shell::ReadsSchema(const char* sql) const {
  if (tables_listed_ || !connection_) return false;
  std::string lower = str::Lower(sql);
  for (const char* word : {"table_info", "table_xinfo", "table_list", "index_list", "sqlite_schema",
                           "sqlite_master"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

Status Shell::ListDynamoTables() {
  if (tables_listed_) return Status::OK();
  Status s = connect_error_;
  if (s.ok()) {
    Progress progress(progress_ && interactive_ && isatty(STDERR_FILENO), &module_->stats(),
                      WaitingFor());
    int64_t before = sqlite3_total_changes64(db_);
    s = vtab::AttachTables(db_, module_.get());
    changes_baseline_ += sqlite3_total_changes64(db_) - before;
  }
  if (s.ok()) {
    tables_listed_ = true;
    check_hidden_ = true;
    quiet_try_failed_ = false;
    return s;
  }
  // Not for good: the endpoint may be up by the next statement, and a
  // Ctrl-C during the listing cancels this listing only.
  return s.WithContext("DynamoDB tables are not available");
}

void Shell::TryListDynamoTables(bool for_statement) {
  // One quiet try: completion must not wait on a dead endpoint at every
  // Tab. A statement that needs DynamoDB still lists again.
  if (tables_listed_ || (quiet_try_failed_ && !for_statement) || !connection_) return;
  if (!ListDynamoTables().ok()) quiet_try_failed_ = true;
}

bool Shell::RelistForMissingTable(const std::string& message) {
  const std::string kPrefix = "no such table: ";
  if (!tables_listed_ || !connection_ || message.rfind(kPrefix, 0) != 0) return false;
  if (!sqlite3_get_autocommit(db_)) return false;  // never re-declare inside BEGIN
  if (!relisted_for_.insert(message.substr(kPrefix.size())).second) return false;
  int64_t before = sqlite3_total_changes64(db_);
  Status s = vtab::AttachTables(db_, module_.get(), "ddb", nullptr, /*relist=*/true);
  changes_baseline_ += sqlite3_total_changes64(db_) - before;
  return s.ok();
}

std::function<std::string()> Shell::WaitingFor() {
  if (!connection_) return {};
  aws::AwsClient* client = &connection_->dynamodb().aws();
  return [client] { return client->Waiting(kQuietBeforeWaiting); };
}

std::string Shell::DescribeConnection() const {
  if (connection_) return connection_->Describe();
  return "not connected (" + connect_error_.ToString() + ")";
}

}  // namespace ddb::shell
