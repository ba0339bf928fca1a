#include "engine/codec/s3_resolver.h"

namespace ddb::codec {

S3Resolver::S3Resolver(std::shared_ptr<s3::S3Client> client, Options options)
    : client_(std::move(client)),
      concurrency_(options.concurrency),
      cache_capacity_(options.cache_bytes) {}
S3Resolver::~S3Resolver() = default;
void S3Resolver::Fetch(const std::vector<std::string>& uris, std::vector<FetchResult>* results) {
  results->assign(uris.size(), FetchResult{Status::NotSupported("not implemented yet"), nullptr});
}
Status S3Resolver::Get(const std::string&, std::shared_ptr<const std::string>*) {
  return Status::NotSupported("not implemented yet");
}
void S3Resolver::set_concurrency(size_t n) { concurrency_ = n; }
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
