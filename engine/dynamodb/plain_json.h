// Plain JSON's writers of a string, a number and binary (private to
// engine/dynamodb): plain_json.cc writes Items with them, and wire_text.cc
// writes plain JSON straight from wire text with the same ones, so that both
// give the same bytes.
#pragma once

#include <string>
#include <string_view>

namespace ddb::dynamodb::plain {

// A JSON string, escaped as SQLite's json() does (see attribute_value.h).
void AppendJsonString(std::string_view s, std::string* out);
// An N's text as a JSON number (AppendJsonNumber), or as a string if it is
// not a number at all.
void AppendNumber(std::string_view text, std::string* out);
// Raw bytes as a base64 JSON string.
void AppendBase64(std::string_view bytes, std::string* out);

}  // namespace ddb::dynamodb::plain
