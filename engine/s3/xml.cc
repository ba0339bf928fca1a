#include "engine/s3/xml.h"

#include <charconv>

#include <pugixml.hpp>

namespace ddb::s3 {

namespace {

// Whitespace-only character data is kept: a key may consist of spaces.
constexpr unsigned kParseFlags = pugi::parse_default | pugi::parse_ws_pcdata;

bool Load(std::string_view xml, pugi::xml_document* doc, std::string* why) {
  pugi::xml_parse_result r = doc->load_buffer(xml.data(), xml.size(), kParseFlags);
  if (!r) {
    *why = std::string(r.description()) + " at offset " + std::to_string(r.offset);
    return false;
  }
  return true;
}

// The text of child element `name` of `node`, or "" when absent.
std::string Text(const pugi::xml_node& node, const char* name) {
  return node.child(name).child_value();
}

std::string StripQuotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

Status Malformed(std::string_view what, std::string_view why) {
  return Status::Corruption("malformed S3 " + std::string(what) + ": " + std::string(why));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool ParseErrorDocument(std::string_view xml, ErrorDocument* out) {
  pugi::xml_document doc;
  std::string why;
  if (!Load(xml, &doc, &why)) return false;
  // S3 answers with a bare <Error>; some S3-compatible servers wrap it in
  // <ErrorResponse>.
  pugi::xml_node error = doc.child("Error");
  if (!error) error = doc.child("ErrorResponse").child("Error");
  if (!error || !error.child("Code")) return false;
  out->code = Text(error, "Code");
  out->message = Text(error, "Message");
  out->request_id = Text(error, "RequestId");
  out->region = Text(error, "Region");
  out->endpoint = Text(error, "Endpoint");
  out->bucket = Text(error, "BucketName");
  out->key = Text(error, "Key");
  return !out->code.empty();
}

Status ParseListObjectsV2(std::string_view xml, ListPage* out) {
  *out = ListPage();
  pugi::xml_document doc;
  std::string why;
  if (!Load(xml, &doc, &why)) return Malformed("listing", why);
  pugi::xml_node root = doc.child("ListBucketResult");
  if (!root) return Malformed("listing", "no ListBucketResult element");
  const bool url_encoded = Text(root, "EncodingType") == "url";
  auto decode = [url_encoded](std::string s) {
    return url_encoded ? UrlDecode(s, /*plus_as_space=*/true) : s;
  };

  for (pugi::xml_node c : root.children("Contents")) {
    ObjectSummary o;
    o.key = decode(Text(c, "Key"));
    if (o.key.empty()) return Malformed("listing", "an entry without a Key");
    std::string size = Text(c, "Size");
    auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), o.size);
    if (ec != std::errc() || end != size.data() + size.size()) {
      return Malformed("listing", "bad Size '" + size + "' for key " + o.key);
    }
    o.etag = StripQuotes(Text(c, "ETag"));
    o.last_modified = Text(c, "LastModified");
    o.storage_class = Text(c, "StorageClass");
    out->objects.push_back(std::move(o));
  }
  for (pugi::xml_node p : root.children("CommonPrefixes")) {
    out->common_prefixes.push_back(decode(Text(p, "Prefix")));
  }
  std::string truncated = Text(root, "IsTruncated");
  if (truncated == "true") {
    out->is_truncated = true;
  } else if (truncated != "false" && !truncated.empty()) {
    return Malformed("listing", "bad IsTruncated '" + truncated + "'");
  }
  out->next_continuation_token = Text(root, "NextContinuationToken");
  if (out->is_truncated && out->next_continuation_token.empty()) {
    return Malformed("listing", "truncated page without NextContinuationToken");
  }
  if (!out->is_truncated) out->next_continuation_token.clear();
  return Status::OK();
}

Status ParseDeleteObjectsResult(std::string_view xml, std::vector<DeleteError>* errors,
                                std::vector<std::string>* deleted) {
  errors->clear();
  if (deleted != nullptr) deleted->clear();
  pugi::xml_document doc;
  std::string why;
  if (!Load(xml, &doc, &why)) return Malformed("DeleteObjects result", why);
  pugi::xml_node root = doc.child("DeleteResult");
  if (!root) return Malformed("DeleteObjects result", "no DeleteResult element");
  for (pugi::xml_node e : root.children("Error")) {
    errors->push_back({Text(e, "Key"), Text(e, "Code"), Text(e, "Message")});
  }
  if (deleted != nullptr) {
    for (pugi::xml_node d : root.children("Deleted")) deleted->push_back(Text(d, "Key"));
  }
  return Status::OK();
}

bool IsXmlRepresentable(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte or overlong/out-of-range lead byte
    }
    if (i + len > text.size()) return false;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates, beyond U+10FFFF, and the two non-characters
    // XML 1.0 excludes.
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\t':
        out += "&#9;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string DeleteObjectsBody(const std::vector<std::string>& keys, bool quiet) {
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  if (quiet) body += "<Quiet>true</Quiet>";
  for (const std::string& key : keys) {
    body += "<Object><Key>";
    body += XmlEscape(key);
    body += "</Key></Object>";
  }
  body += "</Delete>";
  return body;
}

std::string CreateBucketBody(std::string_view region) {
  if (region.empty() || region == "us-east-1") return "";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
         "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
         "<LocationConstraint>" +
         XmlEscape(region) + "</LocationConstraint></CreateBucketConfiguration>";
}

std::string UrlDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

}  // namespace ddb::s3
