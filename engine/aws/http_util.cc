// Small HTTP helpers that need no curl: header lookup and URI encoding.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "engine/aws/config.h"
#include "engine/aws/http.h"
#include "engine/strings.h"

namespace ddb::aws {

std::string_view FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (str::EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

void ApplyTimeouts(const Settings& settings, HttpOptions* options) {
  // curl reads 0 as its built-in default (300 s), not as "no limit".
  constexpr long kIndefinitelyMs = 7L * 24 * 3600 * 1000;
  if (settings.connect_timeout_s == 0) {
    options->connect_timeout_ms = kIndefinitelyMs;
  } else if (settings.connect_timeout_s > 0) {
    options->connect_timeout_ms = std::max(1L, std::lround(settings.connect_timeout_s * 1000.0));
  }
  if (settings.read_timeout_s == 0) {
    options->read_timeout_ms = 0;
    options->request_timeout_ms = 0;
  } else if (settings.read_timeout_s > 0) {
    options->read_timeout_ms = std::max(1L, std::lround(settings.read_timeout_s * 1000.0));
    options->request_timeout_ms =
        std::max(options->request_timeout_ms, options->read_timeout_ms * 10);
  }
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace ddb::aws
