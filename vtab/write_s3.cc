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

// Whether `w`'s new object is there already. Keys are content-addressed and
// name the item and attribute, so an object the item already references is
// the one only such key can hold: it is not uploaded again (no HEAD needed);
// nor is a shared object that `existing` says exists.
bool AlreadyThere(const S3Write& w, const std::set<std::string>& existing) {
  const codec::S3Upload& u = *w.upload;
  return (u.bucket == w.bucket &&
          std::find(w.old_keys.begin(), w.old_keys.end(), u.key) != w.old_keys.end()) ||
         (SharedObjects(w) && existing.count(u.key) > 0);
}

// Uploads the new objects of `writes` that are not there already.
Status Upload(s3::S3Client* s3, const std::vector<S3Write>& writes,
              const std::set<std::string>& existing, int* count, Stats* stats) {
  for (const S3Write& w : writes) {
    if (!w.upload) continue;
    const codec::S3Upload& u = *w.upload;
    bool there = AlreadyThere(w, existing);
    Status s;
    if (!there) {
      s3::PutObjectRequest put;
      put.bucket = u.bucket;
      put.key = u.key;
      put.body = u.body;
      put.body_md5 = u.body_md5;
      put.body_sha256 = u.body_sha256;
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

namespace {

// The first steps of a write with S3 columns: which shared objects exist
// already (one HEAD each: not uploaded again) and the ledger's intents for
// every column written whose objects belong to the item (none for shared
// ones: nothing on the write path deletes them).
Status PrepareIntents(const std::shared_ptr<Connection>& connection, const ledger::Session& session,
                      const std::vector<S3ItemWrites>& items, std::set<std::string>* existing,
                      std::vector<ledger::Intent>* intents) {
  for (const S3ItemWrites& item : items) {
    for (const S3Write& w : item.writes) {
      if (!SharedObjects(w) || !w.upload || existing->count(w.upload->key)) continue;
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
        existing->insert(w.upload->key);
      } else if (h.code() != Status::Code::kNotFound) {
        return h.WithContext("nothing written");
      }
    }
  }
  for (const S3ItemWrites& item : items) {
    std::string key = dynamodb::ItemToWireJson(item.key).dump();
    for (const S3Write& w : item.writes) {
      // Equal values of any item share one object (named by content): the
      // write path never deletes one, neither the object an item stops
      // referencing, nor one this write uploaded and then did not use
      // (refused, unanswered, crashed), since another row (of this very
      // statement, say) may reference it by now. .sweep checks the whole
      // table. With nothing the ledger could delete, no intent.
      if (SharedObjects(w)) continue;
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
      intents->push_back(std::move(i));
    }
  }
  return Status::OK();
}

// What the ledger makes of the DynamoDB write's outcome: nothing reached
// DynamoDB unless it ran (`ran`); an error document from DynamoDB (4xx)
// means it was not applied; anything else may have been.
ledger::Ledger::Outcome WriteOutcomeOf(bool ran, const Status& s) {
  if (!ran) return ledger::Ledger::Outcome::kRefused;
  if (s.ok()) return ledger::Ledger::Outcome::kWritten;
  if (s.code() == Status::Code::kAwsError && s.http_status() >= 400 && s.http_status() < 500) {
    return ledger::Ledger::Outcome::kRefused;
  }
  return ledger::Ledger::Outcome::kUnknown;
}

// The last step: the ledger resolves the intents (superseded or orphaned
// objects deleted) and the write's Status comes back, a failed clean-up
// noted.
Status Resolve(ledger::Ledger* ledger, const std::shared_ptr<Connection>& connection,
               const ledger::Session& session, Stats* stats,
               const std::vector<ledger::Intent>& intents, ledger::Ledger::Outcome outcome,
               Status s) {
  ledger::AwsBackend aws(connection, session);
  CountingBackend backend(&aws, stats);
  Status resolved = ledger->Resolve(intents, outcome, &backend);
  if (!resolved.ok()) {
    std::string note = "S3 clean-up left for recovery (.recover): " + resolved.ToString();
    return s.ok() ? Status::OK() : s.WithNote(note);
  }
  return s;
}

}  // namespace

Status WriteWithS3(ledger::Ledger* ledger, const std::shared_ptr<Connection>& connection,
                   const ledger::Session& session, Stats* stats,
                   const std::vector<S3ItemWrites>& items, const std::function<Status()>& write) {
  std::set<std::string> existing;
  std::vector<ledger::Intent> intents;
  Status s = PrepareIntents(connection, session, items, &existing, &intents);
  if (!s.ok()) return s;
  if (!intents.empty()) {
    s = ledger->Record(&intents);
    if (!s.ok()) return s.WithContext("nothing written");
    ledger::TestCrashPoint("after-ledger");
  }
  int puts = 0;
  for (const S3ItemWrites& item : items) {
    if (s.ok()) s = Upload(connection->s3().get(), item.writes, existing, &puts, stats);
  }
  bool ran = false;
  if (s.ok()) {
    ledger::TestCrashPoint("before-dynamodb");
    s = write();
    ran = true;
    ledger::TestCrashPoint("after-dynamodb");
  }
  return Resolve(ledger, connection, session, stats, intents, WriteOutcomeOf(ran, s), std::move(s));
}

namespace {

// Where a StartWriteWithS3 stands.
struct AsyncS3Write {
  ledger::Ledger* ledger = nullptr;
  std::shared_ptr<Connection> connection;
  ledger::Session session;
  Stats* stats = nullptr;
  std::vector<S3ItemWrites> items;  // one
  std::set<std::string> existing;
  std::vector<ledger::Intent> intents;
  size_t next_upload = 0;  // the write of items[0] to upload next
  int puts = 0;
  StartWrite start_write;
  PostStep post;
  std::function<void(Status)> done;
  std::shared_ptr<S3WriteGroup> group;  // may be null
};

void WriteDynamoDb(std::shared_ptr<AsyncS3Write> w);

// Uploads the next object that needs it (on the posting thread), then the
// one after it when S3 has answered; after the last, the DynamoDB write.
void UploadNext(std::shared_ptr<AsyncS3Write> w) {
  std::vector<S3Write>& writes = w->items[0].writes;
  while (w->next_upload < writes.size()) {
    S3Write& col = writes[w->next_upload++];
    if (!col.upload) continue;
    codec::S3Upload& u = *col.upload;
    if (AlreadyThere(col, w->existing)) {
      ledger::TestCrashPoint("after-put-" + std::to_string(++w->puts));
      continue;
    }
    s3::PutObjectRequest put;
    put.bucket = u.bucket;
    put.key = u.key;
    // Nothing reads the body after its upload: it moves on, uncopied.
    size_t bytes = u.body.size();
    put.body = std::move(u.body);
    put.body_md5 = u.body_md5;
    put.body_sha256 = u.body_sha256;
    put.metadata = u.metadata;
    if (w->group) w->group->PutStarted(w->stats);
    w->connection->s3()->StartPutObject(std::move(put), [w, bytes](Status s, s3::PutObjectResult) {
      if (w->group) w->group->PutEnded();
      PostStep post = w->post;
      post([w, bytes, s = std::move(s)]() mutable {
        if (!s.ok()) {
          Status out = Resolve(w->ledger, w->connection, w->session, w->stats, w->intents,
                               ledger::Ledger::Outcome::kRefused, std::move(s));
          w->done(std::move(out));
          return;
        }
        if (w->stats != nullptr) {
          ++w->stats->s3_puts;
          w->stats->s3_put_bytes += bytes;
        }
        ledger::TestCrashPoint("after-put-" + std::to_string(++w->puts));
        UploadNext(std::move(w));
      });
    });
    return;
  }
  WriteDynamoDb(std::move(w));
}

void WriteDynamoDb(std::shared_ptr<AsyncS3Write> w) {
  ledger::TestCrashPoint("before-dynamodb");
  StartWrite start = w->start_write;
  start([w](Status s) {
    PostStep post = w->post;
    post([w, s = std::move(s)]() mutable {
      ledger::TestCrashPoint("after-dynamodb");
      ledger::Ledger::Outcome outcome = WriteOutcomeOf(true, s);
      Status out = Resolve(w->ledger, w->connection, w->session, w->stats, w->intents, outcome,
                           std::move(s));
      w->done(std::move(out));
    });
  });
}

}  // namespace

void StartWriteWithS3(ledger::Ledger* ledger, const std::shared_ptr<Connection>& connection,
                      const ledger::Session& session, Stats* stats, const std::string& table,
                      const dynamodb::Item& key, std::vector<S3Write> writes,
                      StartWrite start_write, PostStep post, std::function<void(Status)> done,
                      std::shared_ptr<S3WriteGroup> group) {
  auto w = std::make_shared<AsyncS3Write>();
  w->ledger = ledger;
  w->connection = connection;
  w->session = session;
  w->stats = stats;
  w->items.push_back(S3ItemWrites{table, key, std::move(writes)});
  w->start_write = std::move(start_write);
  w->post = std::move(post);
  w->done = std::move(done);
  w->group = std::move(group);
  Status s = PrepareIntents(connection, session, w->items, &w->existing, &w->intents);
  if (!s.ok()) {
    w->done(std::move(s));
    return;
  }
  if (w->intents.empty()) {
    // Nothing for the ledger (shared objects only, or no S3 change): the
    // uploads, the write, and a Resolve with nothing to do.
    UploadNext(std::move(w));
    return;
  }
  if (w->group) {
    // Group commit: the flush posted here runs after the steps already
    // queued on this thread, the writes started meanwhile; they add their
    // intents first and share its transaction (one fsync).
    std::shared_ptr<S3WriteGroup> g = w->group;
    g->Add(&w->intents, [w](Status recorded) {
      if (!recorded.ok()) {
        w->done(recorded.WithContext("nothing written"));
        return;
      }
      ledger::TestCrashPoint("after-ledger");
      UploadNext(w);
    });
    PostStep post_step = w->post;
    post_step([g, ledger] { g->Flush(ledger); });
    return;
  }
  s = ledger->Record(&w->intents);
  if (!s.ok()) {
    w->done(s.WithContext("nothing written"));
    return;
  }
  ledger::TestCrashPoint("after-ledger");
  UploadNext(std::move(w));
}

size_t S3BytesHeld(const std::vector<S3Write>& writes) {
  size_t bytes = 0;
  for (const S3Write& w : writes) bytes += w.upload ? w.upload->body.size() : 0;
  return 2 * bytes;
}

void S3WriteGroup::Add(std::vector<ledger::Intent>* intents, std::function<void(Status)> recorded) {
  std::lock_guard<std::mutex> lock(mu_);
  waiting_.push_back(Waiting{intents, std::move(recorded)});
}

void S3WriteGroup::Flush(ledger::Ledger* ledger) {
  std::vector<Waiting> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(waiting_);
  }
  if (batch.empty()) return;  // an earlier flush took them
  std::vector<ledger::Intent> all;
  for (const Waiting& b : batch) all.insert(all.end(), b.intents->begin(), b.intents->end());
  Status s = ledger->Record(&all);
  if (s.ok()) {
    // Record set the ids (and owner fields) in order: hand them back.
    size_t next = 0;
    for (const Waiting& b : batch) {
      for (ledger::Intent& i : *b.intents) i = std::move(all[next++]);
    }
  }
  for (Waiting& b : batch) b.recorded(s);
}

void S3WriteGroup::PutStarted(Stats* stats) {
  int now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    now = ++puts_in_flight_;
  }
  if (stats == nullptr) return;
  uint64_t seen = stats->s3_put_in_flight_max.load();
  while (static_cast<uint64_t>(now) > seen &&
         !stats->s3_put_in_flight_max.compare_exchange_weak(seen, now)) {
  }
}

void S3WriteGroup::PutEnded() {
  std::lock_guard<std::mutex> lock(mu_);
  --puts_in_flight_;
}

Status WriteWithS3(ledger::Ledger* ledger, const std::shared_ptr<Connection>& connection,
                   const ledger::Session& session, Stats* stats, const std::string& table,
                   const dynamodb::Item& key, const std::vector<S3Write>& writes,
                   const std::function<Status()>& write) {
  return WriteWithS3(ledger, connection, session, stats, {S3ItemWrites{table, key, writes}}, write);
}

}  // namespace ddb::vtab
