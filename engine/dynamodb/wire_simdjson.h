// Wire JSON pages decoded with simdjson's On-Demand API (private to
// engine/dynamodb): a JSON array of items into Items. It only says whether
// the text decodes; when it does not (bad JSON, or a rule of wire_rules.h
// broken), wire_text.cc's reader reads the text again for the message, so
// that every decoder reports the same Status.
#pragma once

#include <string_view>
#include <vector>

#include "engine/dynamodb/attribute_value.h"

namespace ddb::dynamodb::wire {

// Decodes `text`, exactly a JSON array of wire items (Scan's "Items": from
// its '[' to its ']'; what follows is not looked at), appending to *out. `readable` is how many
// bytes from text.data() may be read (at least text.size()): simdjson reads up to 64 bytes past the
// end, so when fewer follow the text is copied first. False if the text does not decode exactly as
// ItemsFromWireJsonText would; *out is then unspecified.
bool SimdjsonDecodeItems(std::string_view text, size_t readable, std::vector<Item>* out);

}  // namespace ddb::dynamodb::wire
