// Byte formats shared with Python: base85 as Python's base64.b85encode
// writes it, Python's float repr, Python's json.dumps output format, and the
// JSON number and UTF-8 checks they rest on. Used by the codecs
// (pynamodb_mate's layouts, engine/codec) and by the AWS CLI's credential
// cache file names (engine/aws/credentials_role.cc), so it sits below both.
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"

namespace ddb {

// base64.b85encode(b) (pad=False) and base64.b85decode(s).
std::string Base85Encode(std::string_view bytes);
Status Base85Decode(std::string_view text, std::string* bytes);

// repr(float(x)) as Python 3 prints it: shortest round-trip digits, fixed
// notation with ".0" for exponents -4..15, else "1e-09", "1.5e+16";
// "inf", "-inf", "nan".
std::string PythonFloatRepr(double x);

// Rewrites JSON text as Python's json.dumps(json.loads(text)) prints it:
// separators ", " and ": ", non-ASCII escaped as \uXXXX (lower-case hex,
// surrogate pairs), members in their original order. Number lexemes are kept
// as written (Python writes its own ints and floats that way), except that
// a float that Python would print differently is rewritten with
// PythonFloatRepr. InvalidArgument naming the offset for invalid JSON.
Status PythonJsonDumps(std::string_view json_text, std::string* out);

// A JSON number's text: integer (no '.', 'e' or 'E') or not. False for text
// that is not exactly one JSON number.
bool IsJsonNumber(std::string_view text, bool* is_integer);

// True when `text` is valid UTF-8 (no surrogates, no overlong forms).
bool IsValidUtf8(std::string_view text);

}  // namespace ddb
