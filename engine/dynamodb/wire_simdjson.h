// Response pages decoded with simdjson's On-Demand API (private to
// engine/dynamodb): the fast path of DecodeItemsResponse and
// SplitItemsResponse. It only says whether a page decodes; when it does not
// (invalid JSON, or a rule of wire_rules.h broken), wire_text.cc's reader
// reads the page again for the message, so that the Status is the same
// whichever reader found the problem. What it accepts, it decodes exactly
// as that reader would: numbers keep their text, items kept as text are
// spans of the body.
#pragma once

#include <string_view>
#include <vector>

#include "engine/dynamodb/attribute_value.h"

namespace ddb::dynamodb::wire {

// Decodes `body`, a JSON object, as DecodeItemsResponse (with `items`) or
// SplitItemsResponse (with `texts`) does: the members named `items_member`
// into *items or *texts, every other member into *others, its value a span
// of `body`. False if the body does not decode; the outputs are then
// unspecified.
bool SimdjsonDecodeResponse(std::string_view body, std::string_view items_member,
                            std::vector<Item>* items, std::vector<std::string_view>* texts,
                            std::vector<JsonMember>* others);

// The simdjson kernel that runs the SIMD steps on this CPU ("icelake",
// "haswell", "westmere", "fallback", ...): the library's choice at run time.
const char* SimdjsonKernel();

}  // namespace ddb::dynamodb::wire
