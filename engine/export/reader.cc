// ExportReader (reader.h): ranged GETs, streaming gzip, MD5 and item counts.
#include "engine/export/reader.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <string>
#include <utility>

#include "engine/export/ion.h"
#include "engine/export/merge.h"
#include "engine/strings.h"

namespace ddb::table_export {

namespace {

constexpr std::string_view kItemPrefix = "{\"Item\":";
constexpr size_t kInflateChunk = size_t{256} << 10;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// A gzip stream inflated as its bytes arrive (several members allowed, as
// gzip itself reads them).
class GzipStream {
 public:
  GzipStream() { ok_ = inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK; }
  ~GzipStream() {
    if (ok_) inflateEnd(&z_);
  }
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // Inflates `in`, calling `sink` with each piece of output.
  template <typename Sink>
  Status Feed(std::string_view in, Sink sink) {
    if (!ok_) return Status::IOError("cannot start decompression");
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    while (z_.avail_in > 0) {
      if (ended_) {
        inflateReset(&z_);  // another gzip member follows
        ended_ = false;
      }
      out_.resize(kInflateChunk);
      z_.next_out = reinterpret_cast<Bytef*>(out_.data());
      z_.avail_out = static_cast<uInt>(out_.size());
      int rc = inflate(&z_, Z_NO_FLUSH);
      size_t produced = out_.size() - z_.avail_out;
      if (rc == Z_STREAM_END) {
        ended_ = true;
      } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && produced > 0)) {
        return Status::Corruption(std::string("not valid gzip data (") +
                                  (z_.msg ? z_.msg : "zlib error " + std::to_string(rc)) + ")");
      }
      if (produced > 0) {
        Status s = sink(std::string_view(out_.data(), produced));
        if (!s.ok()) return s;
      }
    }
    return Status::OK();
  }
  // OK when the data ended at the end of a gzip member (or there was none).
  Status Finish(bool any) const {
    if (any && !ended_) return Status::Corruption("truncated gzip data");
    return Status::OK();
  }

 private:
  z_stream z_{};
  bool ok_ = false;
  bool ended_ = false;
  std::string out_;
};

}  // namespace

Status DynamoDbJsonLineToItem(std::string_view line, std::string* out) {
  line = str::Trim(line);
  if (line.size() > kItemPrefix.size() + 1 && line.substr(0, kItemPrefix.size()) == kItemPrefix &&
      line.back() == '}') {
    // The form exports write; the page check rejects anything else in it.
    out->append(line.substr(kItemPrefix.size(), line.size() - kItemPrefix.size() - 1));
    return Status::OK();
  }
  std::vector<dynamodb::JsonMember> members;
  Status s = dynamodb::SplitJsonObject(line, &members);
  if (!s.ok()) return s;
  if (members.size() != 1 || members[0].name != "Item") {
    return Status::Corruption("not an export item line (expected {\"Item\": {...}})");
  }
  out->append(members[0].value);
  return Status::OK();
}

// The items of one file on their way into pages: a body "{"Items":[...]}"
// of item texts and the line each came from.
class ExportReader::PageBuilder {
 public:
  PageBuilder(ExportReader* reader, std::string uri) : reader_(reader), uri_(std::move(uri)) {
    Reset();
  }

  // Adds the item of line `line_no`.
  Status Add(std::string_view line, size_t line_no) {
    if (!lines_.empty()) body_.push_back(',');
    size_t start = body_.size();
    Status s;
    if (reader_->format_ == OutputFormat::kIon) {
      ion_.clear();
      s = IonLineToJson(line, &ion_);
      line = ion_;
    }
    if (s.ok()) {
      s = reader_->options_.changes ? ChangeLineToItem(line, &body_)
                                    : DynamoDbJsonLineToItem(line, &body_);
    }
    if (!s.ok()) return s.WithContext(uri_ + " line " + std::to_string(line_no));
    spans_.emplace_back(start, body_.size() - start);
    lines_.push_back(line_no);
    if (body_.size() >= reader_->options_.page_bytes) return Flush();
    return Status::OK();
  }

  // Checks the page's items and queues it. Cancelled when the reader stops.
  Status Flush() {
    if (lines_.empty()) return Status::OK();
    body_ += "]}";
    auto body = std::make_shared<std::string>(std::move(body_));
    dynamodb::ItemPage page;
    std::vector<dynamodb::JsonMember> others;
    Status s = dynamodb::SplitItemsResponse(*body, "Items", &page.item_texts, &others);
    if (!s.ok() || page.item_texts.size() != lines_.size()) {
      // Which line: each item alone, for the message.
      for (size_t k = 0; k < spans_.size(); ++k) {
        dynamodb::Item item;
        Status one = dynamodb::ItemFromWireJsonText(
            std::string_view(*body).substr(spans_[k].first, spans_[k].second), &item);
        if (!one.ok()) return one.WithContext(uri_ + " line " + std::to_string(lines_[k]));
      }
      if (s.ok()) s = Status::Corruption("a line holds more than one item");
      return s.WithContext(uri_);
    }
    page.body = std::move(body);
    page.count = page.scanned_count = static_cast<int64_t>(page.item_texts.size());
    size_t n = lines_.size();
    Reset();
    if (!reader_->Push(std::move(page))) return Status::Cancelled();
    if (auto* items = reader_->options_.counters.items) *items += n;
    return Status::OK();
  }

 private:
  void Reset() {
    body_ = "{\"Items\":[";
    spans_.clear();
    lines_.clear();
  }

  ExportReader* reader_;
  std::string uri_;
  std::string body_;
  std::vector<std::pair<size_t, size_t>> spans_;
  std::vector<size_t> lines_;
  std::string ion_;  // an ION line as DYNAMODB_JSON
};

ExportReader::ExportReader(std::shared_ptr<s3::S3Client> s3, ExportLocation location,
                           std::vector<DataFile> files, OutputFormat format, ReadOptions options)
    : s3_(std::move(s3)),
      location_(std::move(location)),
      files_(std::move(files)),
      format_(format),
      options_(options) {
  size_t n = std::min(std::max<size_t>(options_.files_in_flight, 1), files_.size());
  running_ = n;
  for (size_t i = 0; i < n; ++i) workers_.emplace_back([this] { Work(); });
}

ExportReader::~ExportReader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
}

Status ExportReader::Next(dynamodb::ItemPage* page, bool* done) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !error_.ok() || !queue_.empty() || running_ == 0; });
  if (!error_.ok()) return error_;
  if (queue_.empty()) {
    *done = true;
    return Status::OK();
  }
  *page = std::move(queue_.front());
  queue_.pop_front();
  *done = false;
  lock.unlock();
  cv_.notify_all();  // a worker may wait for room
  return Status::OK();
}

bool ExportReader::Push(dynamodb::ItemPage&& page) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stop_ || !error_.ok() || queue_.size() < options_.queue_pages; });
  if (stop_ || !error_.ok()) return false;
  queue_.push_back(std::move(page));
  lock.unlock();
  cv_.notify_all();
  return true;
}

void ExportReader::Fail(const Status& s) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.ok() && !stop_) error_ = s;
  }
  cv_.notify_all();
}

void ExportReader::Work() {
  for (;;) {
    size_t i = next_file_.fetch_add(1);
    if (i >= files_.size()) break;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_ || !error_.ok()) break;
    }
    Status s = ReadFile(files_[i]);
    if (!s.ok()) {
      Fail(s);
      break;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
  }
  cv_.notify_all();
}

Status ExportReader::ReadFile(const DataFile& file) {
  const std::string key = location_.folder + file.name;
  const std::string uri = "s3://" + location_.bucket + "/" + key;
  s3::ObjectInfo info;
  Status s = s3_->HeadObject(location_.bucket, key, &info);
  if (s.IsNotFound()) {
    return Status::NotFound(uri + ": data file missing (manifest-files.json lists it)");
  }
  if (!s.ok()) return s.WithContext(uri);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md5(EVP_MD_CTX_new());
  if (!md5 || EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr) != 1) {
    return Status::IOError(uri + ": cannot compute MD5");
  }
  GzipStream gzip;
  PageBuilder pages(this, uri);
  std::string partial;  // a line not ended yet
  size_t line_no = 0;
  int64_t items = 0;
  auto on_text = [&](std::string_view text) -> Status {
    while (!text.empty()) {
      size_t nl = text.find('\n');
      if (nl == std::string_view::npos) {
        partial.append(text);
        return Status::OK();
      }
      std::string_view line = text.substr(0, nl);
      if (!partial.empty()) {
        partial.append(line);
        line = partial;
      }
      ++line_no;
      std::string_view trimmed = str::Trim(line);
      // Blank lines, and ION's version marker on a line of its own, hold no item.
      if (!trimmed.empty() && trimmed != "$ion_1_0") {
        ++items;
        Status st = pages.Add(line, line_no);
        if (!st.ok()) return st;
      }
      partial.clear();
      text.remove_prefix(nl + 1);
    }
    return Status::OK();
  };
  uint64_t size = info.content_length;
  uint64_t pos = 0;
  size_t range = options_.first_range;
  std::string body;
  while (pos < size) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_ || !error_.ok()) return Status::Cancelled();
    }
    s3::GetObjectRequest req;
    req.bucket = location_.bucket;
    req.key = key;
    req.range = s3::ByteRange{pos, std::min<uint64_t>(pos + range, size) - 1};
    body.clear();
    s = s3_->GetObject(req, &body);
    if (s.IsNotFound()) return Status::NotFound(uri + ": data file missing while read");
    if (!s.ok()) return s.WithContext(uri);
    if (body.empty())
      return Status::Corruption(uri + ": S3 sent no bytes at offset " + std::to_string(pos) +
                                " of " + std::to_string(size));
    EVP_DigestUpdate(md5.get(), body.data(), body.size());
    if (auto* bytes = options_.counters.bytes) *bytes += body.size();
    pos += body.size();
    range = std::min(range * 2, options_.max_range);
    s = gzip.Feed(body, on_text);
    if (s.IsCancelled()) return s;
    if (!s.ok()) return s.context().empty() ? s.WithContext(uri) : s;
  }
  s = gzip.Finish(size > 0);
  if (!s.ok()) return s.WithContext(uri);
  if (!partial.empty()) {
    std::string last = std::move(partial);
    partial.clear();
    s = on_text(last + "\n");
    if (!s.ok()) return s;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_DigestFinal_ex(md5.get(), digest, &digest_len);
  if (std::string_view(reinterpret_cast<char*>(digest), digest_len) != file.md5) {
    return Status::Corruption(uri +
                              ": MD5 does not match the manifest's md5Checksum (the file "
                              "is corrupt or was replaced)");
  }
  if (items != file.item_count) {
    return Status::Corruption(uri + ": " + std::to_string(items) +
                              " items, but manifest-files.json says " +
                              std::to_string(file.item_count));
  }
  s = pages.Flush();
  if (!s.ok()) return s;
  if (auto* files = options_.counters.files) ++*files;
  return Status::OK();
}

}  // namespace ddb::table_export
