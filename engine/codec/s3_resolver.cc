#include "engine/codec/s3_resolver.h"

#include <algorithm>
#include <thread>

namespace ddb::codec {

S3Resolver::S3Resolver(std::shared_ptr<s3::S3Client> client, Options options)
    : client_(std::move(client)),
      concurrency_(std::max<size_t>(1, options.concurrency)),
      cache_capacity_(options.cache_bytes) {}

S3Resolver::~S3Resolver() = default;

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

FetchResult S3Resolver::GetOne(const std::string& uri) {
  FetchResult result;
  s3::GetObjectRequest req;
  result.status = ParseS3Uri(uri, &req.bucket, &req.key);
  if (!result.status.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.errors;
    return result;
  }
  auto body = std::make_shared<std::string>();
  result.status = client_->GetObject(req, body.get());
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.gets;
    stats_.bytes += body->size();
    if (!result.status.ok()) ++stats_.errors;
  }
  if (result.status.ok()) {
    result.body = body;
    CacheInsert(uri, std::move(body));
  }
  return result;
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
  size_t workers = std::min(concurrency_.load(), misses.size());
  if (workers <= 1) {
    for (size_t k = 0; k < misses.size(); ++k) fetched[k] = GetOne(*misses[k]);
  } else {
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    threads.reserve(workers);
    for (size_t w = 0; w < workers; ++w) {
      threads.emplace_back([&] {
        for (size_t k; (k = next.fetch_add(1)) < misses.size();) fetched[k] = GetOne(*misses[k]);
      });
    }
    for (std::thread& t : threads) t.join();
  }
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
