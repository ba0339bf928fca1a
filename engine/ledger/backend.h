// The ledger's real Backend over one Connection: a consistent GetItem says
// which objects an item references, S3 DeleteObjects removes the others;
// and the sweep of a column's bucket and prefix (.sweep).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/connection.h"
#include "engine/dynamodb/attribute_value.h"
#include "engine/ledger/ledger.h"

namespace ddb::ledger {

// The identity of a session's connection as the ledger records it.
struct Session {
  std::string endpoint;  // DynamoDB endpoint URL
  std::string region;
  std::string access_key_id;
  std::string s3_endpoint;
};
// Resolves `connection`'s endpoints and credentials (one credentials
// lookup; no request to AWS).
Status SessionOf(Connection& connection, Session* out);

// The object keys in `bucket` that `v` references: every S "s3://bucket/key"
// found in it (also inside M, L and SS).
void ObjectReferences(const dynamodb::AttributeValue& v, const std::string& bucket,
                      std::set<std::string>* keys);

class AwsBackend : public Backend {
 public:
  AwsBackend(std::shared_ptr<Connection> connection, Session session)
      : connection_(std::move(connection)), session_(std::move(session)) {}
  bool Handles(const Intent& intent) override;
  Status Referenced(const Intent& intent, std::set<std::string>* keys) override;
  Status Delete(const Intent& intent, const std::vector<std::string>& keys) override;

 private:
  std::shared_ptr<Connection> connection_;
  Session session_;
};

struct SweepResult {
  uint64_t listed = 0;               // objects under the prefix
  uint64_t referenced = 0;           // still referenced by an item
  uint64_t young = 0;                // unreferenced but within the grace period
  std::vector<std::string> orphans;  // unreferenced and older: deleted when remove
  uint64_t deleted = 0;
};
struct SweepRequest {
  std::string table;
  std::string attribute;
  std::string bucket;
  std::string prefix;
  // Only keys holding this path segment are the column's ("attr=html" in
  // the large-attribute layout); empty: every key under the prefix.
  std::string segment;
  // Other (table, attribute) pairs that may reference objects in the
  // bucket: their references are kept as well (objects named by content
  // are shared between columns and tables).
  std::vector<std::pair<std::string, std::string>> also;
  int64_t grace_seconds = 86400;  // objects younger than this are left alone
  bool remove = false;            // false: only list them
  // With remove: called once the orphans are known, before any is deleted
  // (to warn, or to ask); false leaves them all in place.
  std::function<bool(const SweepResult&)> confirm;
};
// Lists the objects under bucket/prefix (with `segment`, only the column's),
// scans the table for the objects `attribute` references (and each of
// `also`), and reports (or, with remove, deletes with
// DeleteObjects, 1,000 a request) those no item references that are older
// than the grace period, as pynamodb_mate's clean-up does.
Status Sweep(Connection& connection, const SweepRequest& request, SweepResult* result);

}  // namespace ddb::ledger
