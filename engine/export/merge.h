// Incremental exports (exportType INCREMENTAL_EXPORT) laid over a full
// export: the table as it was at the last incremental export's end.
//
// Each line of an incremental export's data files is a change:
//
//   {"Metadata":{"WriteTimestampMicros":{"N":"1700000000000000"}},
//    "Keys":{...}, "NewImage":{...}, "OldImage":{...}}
//
// ChangeLineToItem turns it into a wire item ExportReader can check and
// page like any other ({"WriteTimestampMicros":{"N":T},"Keys":{"M":{...}},
// "NewImage":{"M":{...}}}); ChangeSet keeps, per key, the change with the
// newest WriteTimestampMicros (of equal ones, the one added last); a change
// without NewImage is a delete. MergedReader hands out the full export's
// items whose key no change names, then the new images that survived.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dynamodb/client.h"
#include "engine/export/reader.h"
#include "engine/status.h"

namespace ddb::table_export {

// Appends the wire item of the incremental export line `line` (DYNAMODB_JSON)
// to `out`. Corruption when Metadata.WriteTimestampMicros or Keys is missing.
Status ChangeLineToItem(std::string_view line, std::string* out);

class ChangeSet {
 public:
  // Adds the changes of a page ChangeLineToItem's items make. Every change
  // must name the same key attributes (the first one's).
  Status AddPage(const dynamodb::ItemPage& page);

  // The key attributes the changes name, in name order; empty before any.
  const std::vector<std::string>& key_names() const { return key_names_; }
  size_t size() const { return changes_.size(); }

  // `*changed` when the item (wire JSON text) has a key some change names:
  // the change, not the item, says what the key holds now.
  Status Changed(std::string_view item_text, bool* changed) const;

  // The new images of the changes that are no deletes, as a page of item
  // texts (none: an empty page).
  Status Survivors(dynamodb::ItemPage* page) const;

 private:
  struct Change {
    int64_t micros = 0;
    bool deleted = false;
    std::string image;  // wire JSON of NewImage
  };
  std::vector<std::string> key_names_;
  std::map<std::string, Change> changes_;  // by KeyBytes
};

// The full export's pages with every changed key left out, then the
// survivors of `changes`.
class MergedReader {
 public:
  MergedReader(std::unique_ptr<ExportReader> full, std::shared_ptr<const ChangeSet> changes)
      : full_(std::move(full)), changes_(std::move(changes)) {}

  // As ExportReader::Next.
  Status Next(dynamodb::ItemPage* page, bool* done);

 private:
  std::unique_ptr<ExportReader> full_;
  std::shared_ptr<const ChangeSet> changes_;
  bool full_done_ = false;
  bool survivors_done_ = false;
};

}  // namespace ddb::table_export
