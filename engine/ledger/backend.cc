#include "engine/ledger/backend.h"

#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/s3/client.h"

namespace ddb::ledger {

using dynamodb::AttributeValue;

namespace {

// Seconds since the epoch of S3's LastModified ("2026-12-02T21:50:00.000Z").
int64_t ParseIsoTime(const std::string& t) {
  std::tm tm{};
  if (!strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

Status SessionOf(Connection& connection, Session* out) {
  out->endpoint = connection.dynamodb_endpoint().BaseUrl();
  out->region = connection.settings().region;
  out->s3_endpoint = connection.s3_endpoint().BaseUrl();
  aws::Credentials creds;
  Status s = connection.credentials()->GetCredentials(&creds);
  if (!s.ok()) return s;
  // Temporary credentials of a role or SSO profile change their key id every
  // session; entries must still be this session's after a restart.
  out->access_key_id = connection.StableIdentity();
  return Status::OK();
}

void ObjectReferences(const AttributeValue& v, const std::string& bucket,
                      std::set<std::string>* keys) {
  const std::string prefix = "s3://" + bucket + "/";
  auto take = [&](const std::string& s) {
    if (s.size() > prefix.size() && s.compare(0, prefix.size(), prefix) == 0) {
      keys->insert(s.substr(prefix.size()));
    }
  };
  switch (v.type()) {
    case AttributeValue::Type::kS:
      take(v.scalar());
      break;
    case AttributeValue::Type::kSS:
      for (const auto& m : v.set()) take(m);
      break;
    case AttributeValue::Type::kL:
      for (const auto& m : v.list()) ObjectReferences(m, bucket, keys);
      break;
    case AttributeValue::Type::kM:
      for (const auto& [k, m] : v.map()) ObjectReferences(m, bucket, keys);
      break;
    default:
      break;
  }
}

bool AwsBackend::Handles(const Intent& i) {
  return i.endpoint == session_.endpoint && i.region == session_.region &&
         i.access_key_id == session_.access_key_id && i.s3_endpoint == session_.s3_endpoint;
}

Status AwsBackend::Referenced(const Intent& i, std::set<std::string>* keys) {
  dynamodb::GetItemRequest req;
  req.table = i.table;
  nlohmann::json key = nlohmann::json::parse(i.item_key, nullptr, false);
  Status s = dynamodb::ItemFromWireJson(key, &req.key);
  if (!s.ok()) return s.WithContext("ledger entry " + std::to_string(i.id) + ": item key");
  req.consistent_read = true;
  req.projection = "#a";
  req.names["#a"] = i.attribute;
  dynamodb::GetItemResult res;
  s = connection_->dynamodb().GetItem(req, &res);
  if (!s.ok()) return s;
  auto it = res.item.find(i.attribute);
  if (res.found && it != res.item.end()) ObjectReferences(it->second, i.bucket, keys);
  return Status::OK();
}

Status AwsBackend::Delete(const Intent& i, const std::vector<std::string>& keys) {
  Status s = connection_->s3()->DeleteObjects(i.bucket, keys);
  // A bucket that does not exist holds none of the objects (the PUT that
  // failed on it wrote nothing): there is nothing left to delete.
  if (!s.ok() && s.aws_code() == "NoSuchBucket") return Status::OK();
  return s;
}

Status Sweep(Connection& connection, const SweepRequest& request, SweepResult* result) {
  // What the items reference, first: an object uploaded after this scan
  // began is younger than any sensible grace period.
  std::set<std::string> referenced;
  // One scan per table, projecting each of its attributes that may refer.
  std::map<std::string, std::vector<std::string>> sources = {{request.table, {request.attribute}}};
  for (const auto& [table, attribute] : request.also) sources[table].push_back(attribute);
  Status s;
  for (const auto& [table, attributes] : sources) {
    dynamodb::ScanRequest scan;
    scan.table = table;
    scan.consistent_read = true;
    for (size_t i = 0; i < attributes.size(); ++i) {
      std::string name = "#a" + std::to_string(i);
      scan.projection += (i > 0 ? ", " : "") + name;
      scan.names[name] = attributes[i];
    }
    // clang before 16 cannot capture a structured binding: capture a reference.
    const std::vector<std::string>& projected = attributes;
    s = connection.dynamodb().ScanAll(scan, [&](dynamodb::ItemPage&& page) {
      for (const auto& item : page.items) {
        for (const std::string& attribute : projected) {
          auto it = item.find(attribute);
          if (it != item.end()) ObjectReferences(it->second, request.bucket, &referenced);
        }
      }
      return Status::OK();
    });
    // A declared table that does not exist here references nothing.
    if (!s.ok() && s.aws_code() == "ResourceNotFoundException" && table != request.table) continue;
    if (!s.ok()) return s.WithContext("reading the references of table " + table);
  }
  s3::ListRequest list;
  list.bucket = request.bucket;
  list.prefix = request.prefix;
  std::vector<s3::ObjectSummary> objects;
  s = connection.s3()->ListAllObjects(list, &objects);
  if (!s.ok()) return s;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const auto& o : objects) {
    if (!request.segment.empty() &&
        ("/" + o.key + "/").find("/" + request.segment + "/") == std::string::npos) {
      continue;  // another column's object under the same prefix
    }
    ++result->listed;
    if (referenced.count(o.key)) {
      ++result->referenced;
    } else if (now - ParseIsoTime(o.last_modified) < request.grace_seconds) {
      ++result->young;
    } else {
      result->orphans.push_back(o.key);
    }
  }
  if (request.remove && !result->orphans.empty() &&
      (!request.confirm || request.confirm(*result))) {
    s3::DeleteObjectsResult r;
    s = connection.s3()->DeleteObjects(request.bucket, result->orphans, &r);
    result->deleted = r.deleted;
    if (!s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace ddb::ledger
