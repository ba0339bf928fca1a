#include "vtab/write_s3.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/dynamodb/number.h"
#include "engine/encoding.h"
#include "engine/s3/client.h"
#include "vtab/module.h"
#include "vtab/values.h"
#include "vtab/write_values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;

codec::PlainValue SqlToPlain(sqlite3_value* v, const codec::Column& column) {
  int storage = sqlite3_value_type(v);
  auto text = [v] {
    const unsigned char* t = sqlite3_value_text(v);
    return std::string(
        reinterpret_cast<const char*>(t ? t : reinterpret_cast<const unsigned char*>("")),
        static_cast<size_t>(sqlite3_value_bytes(v)));
  };
  switch (storage) {
    case SQLITE_NULL:
      return codec::PlainValue::Null();
    case SQLITE_BLOB: {
      const char* p = static_cast<const char*>(sqlite3_value_blob(v));
      return codec::PlainValue::Blob(
          std::string(p ? p : "", static_cast<size_t>(sqlite3_value_bytes(v))));
    }
    case SQLITE_INTEGER:
      if (column.type() == codec::SqlType::kNumeric) {
        return codec::PlainValue::Integer(std::to_string(sqlite3_value_int64(v)));
      }
      return codec::PlainValue::Text(text());
    case SQLITE_FLOAT:
      if (column.type() == codec::SqlType::kNumeric) {
        return codec::PlainValue::Real(ShortestDouble(sqlite3_value_double(v)));
      }
      return codec::PlainValue::Text(text());
    default:
      break;
  }
  std::string t = text();
  if (column.type() == codec::SqlType::kBlob) return codec::PlainValue::Blob(std::move(t));
  if (column.type() == codec::SqlType::kNumeric && dynamodb::ValidateNumber(t).ok()) {
    bool integral = t.find_first_of(".eE") == std::string::npos;
    return integral ? codec::PlainValue::Integer(std::move(t)) : codec::PlainValue::Real(t);
  }
  return codec::PlainValue::Text(std::move(t));
}

codec::Context CodecContext(const std::string& table, const dynamodb::KeySchema& schema,
                            const dynamodb::Item& key, const std::string& attribute,
                            size_t max_decoded_bytes) {
  codec::Context ctx;
  ctx.table = table;
  ctx.attribute = attribute;
  ctx.max_decoded_bytes = max_decoded_bytes;
  for (const auto* k : {&schema.hash, schema.range ? &*schema.range : nullptr}) {
    if (!k) continue;
    auto it = key.find(k->name);
    if (it != key.end()) ctx.key.push_back({k->name, it->second});
  }
  return ctx;
}

void OldObjects(const dynamodb::Item& stored, std::vector<S3Write>* writes) {
  for (S3Write& w : *writes) {
    w.old_keys.clear();
    auto it = stored.find(w.attribute);
    if (it == stored.end()) continue;
    std::set<std::string> keys;
    ledger::ObjectReferences(it->second, w.bucket, &keys);
    w.old_keys.assign(keys.begin(), keys.end());
  }
}

namespace {

// True when the column's objects are shared by equal values of any item
// (S3Backed* key_template layout: "{fingerprint}" only), not owned by one
// item and attribute as the large-attribute layout's are.
bool SharedObjects(const S3Write& w) {
  return w.column && w.column->s3() &&
         w.column->s3()->layout == codec::S3Location::Layout::kKeyTemplate;
}

// Uploads the new objects of `writes`. Keys are content-addressed and name
// the item and attribute, so an object the item already references is the
// one only such key can hold: it is not uploaded again (no HEAD needed).
Status Upload(s3::S3Client* s3, const std::vector<S3Write>& writes,
              const std::set<std::string>& existing, int* count, Stats* stats) {
  for (const S3Write& w : writes) {
    if (!w.upload) continue;
    const codec::S3Upload& u = *w.upload;
    bool there = (u.bucket == w.bucket &&
                  std::find(w.old_keys.begin(), w.old_keys.end(), u.key) != w.old_keys.end()) ||
                 (SharedObjects(w) && existing.count(u.key) > 0);
    Status s;
    if (!there) {
      s3::PutObjectRequest put;
      put.bucket = u.bucket;
      put.key = u.key;
      put.body = u.body;
      put.metadata = u.metadata;
      s = s3->PutObject(put);
      if (s.ok() && stats != nullptr) {
        ++stats->s3_puts;
        stats->s3_put_bytes += u.body.size();
      }
    }
    if (!s.ok()) return s;
    ledger::TestCrashPoint("after-put-" + std::to_string(++*count));
  }
  return Status::OK();
}

// The ledger's backend, counting the objects it deletes into a statement's
// Stats.
class CountingBackend : public ledger::Backend {
 public:
  CountingBackend(ledger::Backend* backend, Stats* stats) : backend_(backend), stats_(stats) {}
  bool Handles(const ledger::Intent& intent) override { return backend_->Handles(intent); }
  Status Referenced(const ledger::Intent& intent, std::set<std::string>* keys) override {
    return backend_->Referenced(intent, keys);
  }
  Status Delete(const ledger::Intent& intent, const std::vector<std::string>& keys) override {
    Status s = backend_->Delete(intent, keys);
    if (s.ok() && stats_ != nullptr) stats_->s3_deletes += keys.size();
    return s;
  }

 private:
  ledger::Backend* backend_;
  Stats* stats_;
};

}  // namespace

Status WriteWithS3(ledger::Ledger* ledger, const std::shared_ptr<Connection>& connection,
                   const ledger::Session& session, Stats* stats,
                   const std::vector<S3ItemWrites>& items, const std::function<Status()>& write) {
  // The shared objects that exist already (one HEAD each): not uploaded
  // again, and never deleted by this write.
  std::set<std::string> existing;
  for (const S3ItemWrites& item : items) {
    for (const S3Write& w : item.writes) {
      if (!SharedObjects(w) || !w.upload || existing.count(w.upload->key)) continue;
      s3::ObjectInfo info;
      Status h = connection->s3()->HeadObject(w.upload->bucket, w.upload->key, &info);
      if (h.ok()) {
        // Named by the value's fingerprint, the object must hold what this
        // write would upload; another column with other settings (say, not
        // compressed) under the same template writes other bytes there.
        uint64_t size = info.object_size != 0 ? info.object_size : info.content_length;
        bool plain_etag = info.etag.size() == 32 && info.etag.find('-') == std::string::npos;
        if (size != w.upload->body.size() ||
            (plain_etag && info.etag != HexEncode(Md5(w.upload->body)))) {
          return Status::InvalidArgument(
              "table " + item.table + ", key (" + DescribeKey(item.key) + "), column " +
              w.attribute + ": " + w.upload->uri +
              " exists with other content (another column or table writes this key template "
              "with other settings, e.g. compressed); give the column a key_template of its "
              "own; nothing written");
        }
        existing.insert(w.upload->key);
      } else if (h.code() != Status::Code::kNotFound) {
        return h.WithContext("nothing written");
      }
    }
  }
  std::vector<ledger::Intent> intents;
  for (const S3ItemWrites& item : items) {
    std::string key = dynamodb::ItemToWireJson(item.key).dump();
    for (const S3Write& w : item.writes) {
      ledger::Intent i;
      i.endpoint = session.endpoint;
      i.region = session.region;
      i.access_key_id = session.access_key_id;
      i.s3_endpoint = session.s3_endpoint;
      i.table = item.table;
      i.item_key = key;
      i.attribute = w.attribute;
      i.bucket = w.bucket;
      i.object_key = w.upload ? w.upload->key : "";
      i.old_object_keys = w.old_keys;
      if (SharedObjects(w)) {
        // Equal values of any item share one object: neither the object an
        // item stops referencing nor one that was there before this write
        // may be deleted on its account (.sweep checks the whole table).
        i.old_object_keys.clear();
        if (w.upload && existing.count(w.upload->key)) i.object_key.clear();
      }
      intents.push_back(std::move(i));
    }
  }
  if (intents.empty()) return write();
  Status s = ledger->Record(&intents);
  if (!s.ok()) return s.WithContext("nothing written");
  ledger::TestCrashPoint("after-ledger");
  int puts = 0;
  for (const S3ItemWrites& item : items) {
    if (s.ok()) s = Upload(connection->s3().get(), item.writes, existing, &puts, stats);
  }
  // Nothing reached DynamoDB unless write() ran; an error document from
  // DynamoDB (4xx) means it was not applied; anything else may have been.
  ledger::Ledger::Outcome outcome = ledger::Ledger::Outcome::kRefused;
  if (s.ok()) {
    ledger::TestCrashPoint("before-dynamodb");
    s = write();
    if (s.ok()) {
      outcome = ledger::Ledger::Outcome::kWritten;
    } else if (!(s.code() == Status::Code::kAwsError && s.http_status() >= 400 &&
                 s.http_status() < 500)) {
      outcome = ledger::Ledger::Outcome::kUnknown;
    }
    ledger::TestCrashPoint("after-dynamodb");
  }
  ledger::AwsBackend aws(connection, session);
  CountingBackend backend(&aws, stats);
  Status resolved = ledger->Resolve(intents, outcome, &backend);
  if (!resolved.ok()) {
    std::string note = "S3 clean-up left for recovery (.recover): " + resolved.ToString();
    return s.ok() ? Status::OK() : s.WithNote(note);
  }
  return s;
}

Status WriteWithS3(ledger::Ledger* ledger, const std::shared_ptr<Connection>& connection,
                   const ledger::Session& session, Stats* stats, const std::string& table,
                   const dynamodb::Item& key, const std::vector<S3Write>& writes,
                   const std::function<Status()>& write) {
  return WriteWithS3(ledger, connection, session, stats, {S3ItemWrites{table, key, writes}}, write);
}

}  // namespace ddb::vtab
