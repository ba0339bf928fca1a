// The AWS DynamoDB Encryption Client's binary form of one attribute value:
// what an encrypted attribute's plaintext is, and what the signature hashes.
//
// Each value is a 2-byte type tag (a Java char: 0x00 then 'b' B, 'B' BS,
// 'n' N, 'N' NS, 's' S, 'S' SS, '?' BOOL, 0x00 NULL, 'L' L, 'M' M), then:
//
//   S, N, B      4-byte big-endian length, the bytes (UTF-8 for S; N is the
//                number without exponent or trailing zeros, "1.50" -> "1.5",
//                "1E2" -> "100", every zero "0")
//   BOOL         one byte, 1 or 0
//   NULL         nothing
//   SS, NS, BS   4-byte member count, then each member as length + bytes,
//                sorted (see Ordering)
//   L            4-byte count, then each element serialised
//   M            4-byte count, then for each entry by sorted name: the name
//                serialised as an S, then the value
//
// Ordering: the Python client sorts set members and map names by their
// bytes (unsigned) and the Java client by Java's own comparisons (strings by
// UTF-16 code units, binary members by signed bytes). Both agree on ASCII,
// digits and bytes below 0x80; items are written in the Python order, and a
// signature that fails in one order is tried in the other (signature.h).
#pragma once

#include <string>
#include <string_view>

#include "engine/dynamodb/attribute_value.h"
#include "engine/status.h"

namespace ddb::item_encryption {

enum class Ordering { kPython, kJava };

// Appends the serialisation of `v` to *out. InvalidArgument for an N (or NS
// member) that is not a DynamoDB number.
Status SerializeAttribute(const dynamodb::AttributeValue& v, std::string* out,
                          Ordering order = Ordering::kPython);

// Java's String.compareTo on UTF-8 text: by UTF-16 code units.
bool JavaStringLess(std::string_view a, std::string_view b);

// Parses one serialised value that must span all of `bytes`. Corruption
// naming what is wrong (unknown tag, truncated length, trailing bytes, a map
// name that is not a string, nesting beyond DynamoDB's limit).
Status DeserializeAttribute(std::string_view bytes, dynamodb::AttributeValue* out);

}  // namespace ddb::item_encryption
