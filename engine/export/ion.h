// The Amazon Ion text that DynamoDB's ION exports write, turned into the
// DYNAMODB_JSON form of the same line, so that one reader serves both.
//
//   $ion_1_0 {Item:{id:"a",n:5.,tags:$dynamodb_SS::["x","y"],b:{{aGk=}}}}
//   ->  {"Item":{"id":{"S":"a"},"n":{"N":"5"},"tags":{"SS":["x","y"]},"b":{"B":"aGk="}}}
//
// The subset read (written here from the Ion text specification): structs
// (field names as identifiers, 'quoted symbols' or "strings"), lists,
// strings ("..." with Ion's escapes, and '''long''' strings, adjacent ones
// joined), integers (decimal, 0x, 0b, with _ separators), decimals (2.5,
// 101., 2d1), floats (1.5e0; nan and inf are refused: DynamoDB has no
// such number), blobs {{base64}}, true/false, null and typed nulls
// (null.string ...), the annotations $dynamodb_SS::, $dynamodb_NS:: and
// $dynamodb_BS:: on lists, comments, and the $ion_1_0 version marker.
// Anything else (symbols as values, clobs, timestamps, s-expressions,
// other annotations) is an error saying what and where (the byte offset).
//
// A line's top-level struct holds fields (Item; or Metadata, Keys,
// NewImage, OldImage) whose values are structs of attributes; each
// attribute's Ion value maps to the DynamoDB type: string S, number N,
// blob B, bool BOOL, null NULL, struct M, list L, annotated list SS/NS/BS.
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"

namespace ddb::table_export {

// Appends the DYNAMODB_JSON text of the Ion line `line` to `out` (which is
// left as it was on error). Nesting deeper than 64 levels is refused.
Status IonLineToJson(std::string_view line, std::string* out);

}  // namespace ddb::table_export
