// What ddbsql keeps of DynamoDB between sessions, in files under the user's
// cache directory ($XDG_CACHE_HOME/ddbsql, else ~/.cache/ddbsql):
//
//  - the account's table list (ListTables), used while younger than
//    `max_age` seconds (a name SQLite does not know lists the tables again);
//  - each table's sampled columns and sample summary, with the description
//    they were sampled under. A table is described (DescribeTable) once a
//    session all the same: the sample is reused only when that description
//    shows the very table it was taken from (the same ARN, creation time and
//    key schema), so a table deleted and created again is sampled anew.
//
// A file belongs to a scope (endpoint, region, access key id: different
// accounts never share one) and a table name. `.refresh [TABLE]` forgets
// them.
//
// Files are written whole to a temporary name and renamed, so a reader never
// sees half a file; a file that cannot be read is ignored (and rewritten).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/dynamodb/client.h"
#include "engine/status.h"
#include "vtab/cost.h"

namespace ddb::vtab {

struct CachedSchema {
  // The description the sample was taken under (its ARN, creation time and
  // key schema tell which table it was).
  dynamodb::TableDescription desc;
  // The sampled attributes that became columns, with their DynamoDB type
  // ("" when mixed), in column order.
  std::vector<std::pair<std::string, std::string>> attributes;
  SampleSummary sample;
  double saved_at = 0;  // seconds since the epoch
};

class SchemaCache {
 public:
  // `dir` empty: nothing is cached.
  SchemaCache(std::string dir, double max_age_seconds)
      : dir_(std::move(dir)), max_age_(max_age_seconds) {}

  // $XDG_CACHE_HOME/ddbsql, else $HOME/.cache/ddbsql; empty without either.
  static std::string DefaultDir();

  // The scope of a connection: where and as whom it reads.
  static std::string Scope(const std::string& endpoint, const std::string& region,
                           const std::string& access_key_id);

  bool enabled() const { return !dir_.empty(); }

  // The table list, when saved less than max_age ago.
  bool LoadTables(const std::string& scope, std::vector<std::string>* names) const;
  void SaveTables(const std::string& scope, const std::vector<std::string>& names) const;

  // A table's schema, whatever its age.
  bool LoadTable(const std::string& scope, const std::string& table, CachedSchema* out) const;
  void SaveTable(const std::string& scope, const std::string& table,
                 const CachedSchema& schema) const;

  // Forgets `table` (empty: every table and the list) of `scope`.
  void Forget(const std::string& scope, const std::string& table) const;

 private:
  std::string PathOf(const std::string& scope, const std::string& table) const;
  // nlohmann::json reports a damaged file by throwing: these may throw,
  // their callers catch.
  bool LoadTablesOrThrow(const std::string& scope, std::vector<std::string>* names) const;
  bool LoadTableOrThrow(const std::string& scope, const std::string& table,
                        CachedSchema* out) const;
  std::string dir_;
  double max_age_;
};

}  // namespace ddb::vtab
