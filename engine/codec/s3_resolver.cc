#include "engine/codec/s3_resolver.h"

#include <algorithm>
#include <condition_variable>

namespace ddb::codec {

S3Resolver::S3Resolver(std::shared_ptr<s3::S3Client> client, Options options)
    : client_(std::move(client)),
      concurrency_(std::max<size_t>(1, options.concurrency)),
      cache_capacity_(options.cache_bytes) {}

S3Resolver::~S3Resolver() {
  // GETs a read-ahead dropped still call back into this object; the session
  // is ending (a resolver lives as long as it), so they are cancelled rather
  // than waited for (a stalled server would hold the exit).
  std::unique_lock<std::mutex> lock(mu_);
  if (outstanding_ > 0) {
    lock.unlock();
    client_->aws().http().CancelAll();
    lock.lock();
  }
  idle_.wait(lock, [this] { return outstanding_ == 0; });
}

bool S3Resolver::CacheLookup(const std::string& uri, std::shared_ptr<const std::string>* body) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(uri);
  if (it == cache_.end()) return false;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  *body = it->second.body;
  ++stats_.cache_hits;
  return true;
}

void S3Resolver::CacheInsert(const std::string& uri, std::shared_ptr<const std::string> body) {
  if (body->size() > cache_capacity_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (cache_.count(uri)) return;
  while (cache_size_ + body->size() > cache_capacity_ && !lru_.empty()) {
    auto victim = cache_.find(lru_.back());
    cache_size_ -= victim->second.body->size();
    cache_.erase(victim);
    lru_.pop_back();
  }
  lru_.push_front(uri);
  cache_size_ += body->size();
  cache_.emplace(uri, Entry{std::move(body), lru_.begin()});
}

void S3Resolver::Counted(const Status& status, size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.gets;
  stats_.bytes += bytes;
  if (!status.ok()) ++stats_.errors;
}

void S3Resolver::StartOne(const std::string& uri, std::function<void(FetchResult)> done) {
  s3::GetObjectRequest req;
  Status parsed = ParseS3Uri(uri, &req.bucket, &req.key);
  if (!parsed.ok()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.errors;
    }
    FetchResult result;
    result.status = std::move(parsed);
    done(std::move(result));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++outstanding_;
  }
  client_->StartGetObject(
      req, [this, uri, done = std::move(done)](Status s, std::string body, s3::ObjectInfo) {
        Counted(s, body.size());
        FetchResult result;
        result.status = std::move(s);
        if (result.status.ok()) {
          auto shared = std::make_shared<const std::string>(std::move(body));
          result.body = shared;
          CacheInsert(uri, std::move(shared));
        }
        done(std::move(result));
        // Last: the destructor may run as soon as this is 0.
        std::lock_guard<std::mutex> lock(mu_);
        --outstanding_;
        idle_.notify_all();
      });
}

bool S3Resolver::StartFetch(const std::string& uri, FetchCallback done) {
  FetchResult hit;
  if (cache_capacity_ > 0 && CacheLookup(uri, &hit.body)) {
    done(std::move(hit), false);
    return false;
  }
  std::string bucket, key;
  Status parsed = ParseS3Uri(uri, &bucket, &key);
  if (!parsed.ok()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.errors;
    }
    FetchResult bad;
    bad.status = std::move(parsed);
    done(std::move(bad), false);
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.in_flight_max = std::max<uint64_t>(stats_.in_flight_max, outstanding_ + 1);
  }
  StartOne(uri, [done = std::move(done)](FetchResult result) { done(std::move(result), true); });
  return true;
}

FetchResult S3Resolver::GetOne(const std::string& uri) {
  std::vector<FetchResult> fetched(1);
  FetchAll({&uri}, &fetched);
  return std::move(fetched[0]);
}

void S3Resolver::FetchAll(const std::vector<const std::string*>& uris,
                          std::vector<FetchResult>* fetched) {
  // Up to `concurrency` GETs in flight through the S3 client's event loop;
  // this thread starts the next as each one ends (a start resolves
  // credentials, which must not happen on the loop's thread).
  const size_t window = concurrency_.load();
  std::mutex mu;
  std::condition_variable cv;
  size_t finished = 0;
  size_t started = 0;
  std::unique_lock<std::mutex> lock(mu);
  while (finished < uris.size()) {
    while (started < uris.size() && started - finished < window) {
      size_t k = started++;
      size_t in_flight = started - finished;
      {
        std::lock_guard<std::mutex> stats_lock(mu_);
        stats_.in_flight_max = std::max<uint64_t>(stats_.in_flight_max, in_flight);
      }
      lock.unlock();
      StartOne(*uris[k], [&, k](FetchResult result) {
        std::lock_guard<std::mutex> l(mu);
        (*fetched)[k] = std::move(result);
        ++finished;
        cv.notify_one();
      });
      lock.lock();
    }
    // Until all are in, or a slot is free for the next (a GET may have
    // ended already, even at once: a malformed URI).
    cv.wait(lock, [&] {
      return finished == uris.size() || (started < uris.size() && started - finished < window);
    });
  }
}

void S3Resolver::Fetch(const std::vector<std::string>& uris, std::vector<FetchResult>* results) {
  results->assign(uris.size(), FetchResult());
  // Unique URIs not in the cache; repeats within the batch share one GET.
  std::unordered_map<std::string, size_t> pending;
  std::vector<const std::string*> misses;
  std::vector<size_t> miss_of(uris.size(), SIZE_MAX);
  for (size_t i = 0; i < uris.size(); ++i) {
    auto [it, added] = pending.emplace(uris[i], misses.size());
    if (!added) {
      miss_of[i] = it->second;
      continue;
    }
    std::shared_ptr<const std::string> body;
    if (cache_capacity_ > 0 && CacheLookup(uris[i], &body)) {
      (*results)[i].body = std::move(body);
      it->second = SIZE_MAX;  // served: later repeats count as hits too
      continue;
    }
    misses.push_back(&uris[i]);
    miss_of[i] = it->second;
  }
  std::vector<FetchResult> fetched(misses.size());
  FetchAll(misses, &fetched);
  for (size_t i = 0; i < uris.size(); ++i) {
    if ((*results)[i].body) continue;
    size_t k = miss_of[i] != SIZE_MAX ? miss_of[i] : pending[uris[i]];
    if (k == SIZE_MAX) {
      // A repeat of a URI the cache served.
      CacheLookup(uris[i], &(*results)[i].body);
      if (!(*results)[i].body) (*results)[i] = GetOne(uris[i]);
      continue;
    }
    (*results)[i] = fetched[k];
  }
}

Status S3Resolver::Get(const std::string& uri, std::shared_ptr<const std::string>* body) {
  std::vector<FetchResult> results;
  Fetch({uri}, &results);
  if (!results[0].status.ok()) return results[0].status;
  *body = std::move(results[0].body);
  return Status::OK();
}

void S3Resolver::set_concurrency(size_t n) { concurrency_ = std::max<size_t>(1, n); }

S3Stats S3Resolver::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void S3Resolver::ResetStats() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_ = S3Stats();
}

void S3Resolver::ClearCache() {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.clear();
  lru_.clear();
  cache_size_ = 0;
}

}  // namespace ddb::codec
