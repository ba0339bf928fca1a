// S3Resolver: fetches the S3 objects a page of codec values points at,
// concurrently (at most `concurrency` GETs in flight, all through the S3
// client's one event loop: no thread per GET), through a size-capped
// in-memory cache keyed by URI, counting what it did for .stats.
//
//   S3Resolver resolver(s3_client, S3Resolver::Options{});
//   DecodeBatch(column, requests, &resolver, &results);
//
// Memory: the cache holds at most cache_bytes of bodies (least recently used
// evicted first; an object larger than the cap is not cached); a batch holds
// its own bodies until the caller drops the results.
//
// Errors per URI: a missing object is NotFound (so that a caller can read it
// as NULL under `.s3missing null`); a missing bucket (NoSuchBucket, a
// configuration error), AccessDenied and other service errors are AwsError
// with S3's code; a malformed URI is InvalidArgument. Errors are not
// cached: the next batch asks again.
//
// Read-ahead (vtab/codec_columns.h) starts GETs one at a time with
// StartFetch and does not wait for them: a cursor that stops early drops
// what it started. The resolver outlives those GETs: its destructor waits for
// the ones still in flight (at most the read-ahead windows open at the time;
// Ctrl-C ends them at once).
//
// Thread-safe: several cursors may share a resolver.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/codec/column.h"
#include "engine/s3/client.h"

namespace ddb::codec {

struct S3Stats {
  uint64_t gets = 0;           // GET requests sent (successful or not)
  uint64_t bytes = 0;          // body bytes received
  uint64_t cache_hits = 0;     // URIs served from the cache
  uint64_t errors = 0;         // URIs that failed
  uint64_t in_flight_max = 0;  // the most GETs in flight at once
};

class S3Resolver : public BatchFetcher {
 public:
  struct Options {
    size_t concurrency = 16;           // GETs in flight per batch (>= 1)
    size_t cache_bytes = 64ull << 20;  // 0 disables the cache
  };

  S3Resolver(std::shared_ptr<s3::S3Client> client, Options options);
  ~S3Resolver() override;

  void Fetch(const std::vector<std::string>& uris, std::vector<FetchResult>* results) override;

  // Starts fetching `uri` without waiting; true when a GET was sent: then
  // `done` runs on the S3 client's loop thread when it ends (`sent` true),
  // where it must not block. A cache hit or a malformed URI calls `done` at
  // once on this thread (`sent` false; StartFetch returns false). Counted in
  // stats() as Fetch counts.
  using FetchCallback = std::function<void(FetchResult result, bool sent)>;
  bool StartFetch(const std::string& uri, FetchCallback done);

  // One object (s3_get()).
  Status Get(const std::string& uri, std::shared_ptr<const std::string>* body);

  void set_concurrency(size_t n);  // takes effect from the next batch
  size_t concurrency() const { return concurrency_.load(); }
  S3Stats stats() const;
  void ResetStats();
  void ClearCache();

 private:
  struct Entry {
    std::shared_ptr<const std::string> body;
    std::list<std::string>::iterator lru;
  };
  bool CacheLookup(const std::string& uri, std::shared_ptr<const std::string>* body);
  void CacheInsert(const std::string& uri, std::shared_ptr<const std::string> body);
  FetchResult GetOne(const std::string& uri);
  // GETs `uris` (each once), `concurrency` at a time; (*fetched)[k] is uris[k]'s.
  void FetchAll(const std::vector<const std::string*>& uris, std::vector<FetchResult>* fetched);
  // Starts the GET of `uri`; `done` gets it (body cached) on the loop's thread.
  void StartOne(const std::string& uri, std::function<void(FetchResult)> done);
  // Counts a GET's answer.
  void Counted(const Status& status, size_t bytes);

  std::shared_ptr<s3::S3Client> client_;
  std::atomic<size_t> concurrency_;
  const size_t cache_capacity_;

  mutable std::mutex mu_;  // guards everything below
  std::unordered_map<std::string, Entry> cache_;
  std::list<std::string> lru_;  // most recently used first
  size_t cache_size_ = 0;
  S3Stats stats_;
  size_t outstanding_ = 0;  // GETs started whose callback has not returned
  std::condition_variable idle_;
};

}  // namespace ddb::codec
