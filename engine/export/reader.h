// ExportReader: the items of an export's data files (manifest.h), read from
// S3 several files at a time and handed out as pages of item texts.
//
//   ExportReader reader(s3, location, files, OutputFormat::kDynamoDbJson, {});
//   dynamodb::ItemPage page;
//   bool done = false;
//   while (reader.Next(&page, &done).ok() && !done) { ... page.item_texts ... }
//
// Each file is read in ranged GETs (256 KB first, doubling up to 8 MB),
// inflated and split into lines as its bytes arrive: memory holds a few
// ranges and pages, never a whole file. A page's items are wire JSON texts
// checked as a Scan page's are (dynamodb::SplitItemsResponse), so the
// dynamodb module's value mapping and codec columns read them unchanged.
//
// Every file is checked when its last byte arrived: its MD5 against the
// manifest's md5Checksum, its items against itemCount, its gzip stream for
// truncation. A missing file, a mismatch or a line that is no item is an
// error naming the file (s3://BUCKET/KEY, and the line). Items of a file
// are handed out before its end is checked, so a statement reading a
// corrupt file may have seen some of its rows before it fails; it fails.
//
// Next is for one consumer thread; the workers are the reader's own and
// stop (an S3 GET in flight finishes first) when it is destroyed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/dynamodb/client.h"
#include "engine/export/manifest.h"
#include "engine/s3/client.h"
#include "engine/status.h"

namespace ddb::table_export {

// Counts of what was read, for the progress line and `.stats` (may be null).
struct ReadCounters {
  std::atomic<uint64_t>* files = nullptr;  // files read to their end and checked
  std::atomic<uint64_t>* bytes = nullptr;  // compressed bytes received
  std::atomic<uint64_t>* items = nullptr;  // items handed out
};

struct ReadOptions {
  size_t files_in_flight = 4;
  size_t page_bytes = size_t{1} << 20;  // item text a page holds (about)
  size_t queue_pages = 8;               // pages read ahead of the consumer
  size_t first_range = size_t{256} << 10;
  size_t max_range = size_t{8} << 20;
  ReadCounters counters;
  // The files are an incremental export's: each line is a change, made a
  // wire item by ChangeLineToItem (merge.h), not an {"Item": ...} line.
  bool changes = false;
};

// Turns one line of a data file into the wire JSON text of an item,
// appended to `out`. DYNAMODB_JSON: {"Item": {...}} unwrapped.
Status DynamoDbJsonLineToItem(std::string_view line, std::string* out);

class ExportReader {
 public:
  ExportReader(std::shared_ptr<s3::S3Client> s3, ExportLocation location,
               std::vector<DataFile> files, OutputFormat format, ReadOptions options);
  ~ExportReader();
  ExportReader(const ExportReader&) = delete;
  ExportReader& operator=(const ExportReader&) = delete;

  // The next page of items (item_texts over body; never empty unless
  // *done). The first error of any file is returned (and again after).
  Status Next(dynamodb::ItemPage* page, bool* done);

 private:
  class PageBuilder;
  void Work();
  Status ReadFile(const DataFile& file);
  // Queues a page, waiting while the queue is full; false when stopping.
  bool Push(dynamodb::ItemPage&& page);
  void Fail(const Status& s);

  std::shared_ptr<s3::S3Client> s3_;
  const ExportLocation location_;
  const std::vector<DataFile> files_;
  const OutputFormat format_;
  const ReadOptions options_;

  std::atomic<size_t> next_file_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<dynamodb::ItemPage> queue_;  // guarded by mu_
  size_t running_ = 0;                    // guarded by mu_
  bool stop_ = false;                     // guarded by mu_
  Status error_;                          // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace ddb::table_export
