#include "engine/item_encryption/key_reference.h"

#include <openssl/crypto.h>
#include <nlohmann/json.hpp>

#include "engine/encoding.h"

namespace ddb::item_encryption {
namespace {

// Wipes a decoded secret when it goes out of scope.
struct Scrubbed {
  std::string s;
  ~Scrubbed() { OPENSSL_cleanse(s.data(), s.size()); }
};

std::string WithoutSpace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') out.push_back(c);
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool LooksLikePem(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() &&
         (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t')) {
    ++i;
  }
  return bytes.substr(i).starts_with("-----BEGIN");
}

const char* EncodingName(KeyParam::Encoding e) {
  switch (e) {
    case KeyParam::Encoding::kRaw:
      return "raw";
    case KeyParam::Encoding::kBase64:
      return "base64";
    case KeyParam::Encoding::kHex:
      return "hex";
    case KeyParam::Encoding::kPem:
      return "pem";
  }
  return "?";
}

}  // namespace

std::string KeyParam::ToString() const {
  std::string out = ref.ToString();
  if (encoding != Encoding::kRaw) out += std::string(" (") + EncodingName(encoding) + ")";
  return out;
}

Status ParseKeyParam(const nlohmann::json& value, KeyParam* out) {
  KeyParam p;
  if (value.is_string()) {
    Status s = codec::KeyRef::Parse(value.get<std::string>(), &p.ref);
    if (!s.ok()) return s;
    *out = std::move(p);
    return Status::OK();
  }
  if (!value.is_object()) {
    return Status::InvalidArgument(
        "must be a key reference (\"env:NAME\", \"file:PATH\", \"cmd:COMMAND\") or "
        "{\"ref\": ..., \"encoding\": ...}");
  }
  p.object_form = true;
  for (const auto& [k, v] : value.items()) {
    if (k != "ref" && k != "encoding") {
      return Status::InvalidArgument("unknown field \"" + k +
                                     "\" (expected \"ref\", \"encoding\")");
    }
  }
  auto ref = value.find("ref");
  if (ref == value.end()) return Status::InvalidArgument("missing \"ref\"");
  if (!ref->is_string()) return Status::InvalidArgument("\"ref\" must be a string");
  Status s = codec::KeyRef::Parse(ref->get<std::string>(), &p.ref);
  if (!s.ok()) return s.WithContext("\"ref\"");
  auto enc = value.find("encoding");
  if (enc != value.end()) {
    if (!enc->is_string()) return Status::InvalidArgument("\"encoding\" must be a string");
    const std::string e = enc->get<std::string>();
    if (e == "raw") {
      p.encoding = KeyParam::Encoding::kRaw;
    } else if (e == "base64") {
      p.encoding = KeyParam::Encoding::kBase64;
    } else if (e == "hex") {
      p.encoding = KeyParam::Encoding::kHex;
    } else if (e == "pem") {
      p.encoding = KeyParam::Encoding::kPem;
    } else {
      return Status::InvalidArgument("unknown encoding \"" + e + "\" (raw, base64, hex or pem)");
    }
  }
  *out = std::move(p);
  return Status::OK();
}

ResolvedKey::~ResolvedKey() { OPENSSL_cleanse(symmetric.data(), symmetric.size()); }

KeySource::KeySource(KeyParam param, std::string field, std::shared_ptr<codec::KeyStore> store)
    : param_(std::move(param)), field_(std::move(field)), store_(std::move(store)) {}

Status KeySource::Error(std::string_view what) const {
  return Status::InvalidArgument(field_ + " (" + param_.ToString() + "): " + std::string(what));
}

Status KeySource::Bytes(std::string* out) const {
  Scrubbed secret;
  Status s = store_->Resolve(param_.ref, &secret.s);
  if (!s.ok()) return s.WithContext(field_);
  switch (param_.encoding) {
    case KeyParam::Encoding::kRaw:
      *out = secret.s;
      return Status::OK();
    case KeyParam::Encoding::kPem:
      if (!LooksLikePem(secret.s)) return Error("not PEM text (-----BEGIN ...)");
      *out = secret.s;
      return Status::OK();
    case KeyParam::Encoding::kBase64: {
      Scrubbed text{WithoutSpace(secret.s)};
      if (!Base64Decode(text.s, out).ok()) return Error("not valid base64");
      return Status::OK();
    }
    case KeyParam::Encoding::kHex: {
      Scrubbed text{WithoutSpace(secret.s)};
      if (text.s.size() % 2 != 0) return Error("not valid hex (odd length)");
      out->assign(text.s.size() / 2, '\0');
      for (size_t i = 0; i < out->size(); ++i) {
        int hi = HexDigit(text.s[2 * i]), lo = HexDigit(text.s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
          OPENSSL_cleanse(out->data(), out->size());
          return Error("not valid hex");
        }
        (*out)[i] = static_cast<char>(hi * 16 + lo);
      }
      return Status::OK();
    }
  }
  return Error("unknown encoding");
}

Status KeySource::Symmetric(bool aes, std::string* out) const {
  if (param_.encoding == KeyParam::Encoding::kPem) return Error("a symmetric key cannot be PEM");
  Status s = Bytes(out);
  if (!s.ok()) return s;
  if (aes && out->size() != 16 && out->size() != 24 && out->size() != 32) {
    size_t n = out->size();
    OPENSSL_cleanse(out->data(), out->size());
    return Error("an AES key must be 16, 24 or 32 bytes, not " + std::to_string(n));
  }
  if (out->empty()) return Error("empty key");
  return Status::OK();
}

Status KeySource::Rsa(bool want_private, RsaKey* out) const {
  Scrubbed bytes;
  Status s = Bytes(&bytes.s);
  if (!s.ok()) return s;
  s = LoadRsaKey(bytes.s, want_private, out);
  if (!s.ok()) return Error(s.message());
  return Status::OK();
}

Status KeySource::Any(bool want_private, ResolvedKey* out) const {
  Scrubbed bytes;
  Status s = Bytes(&bytes.s);
  if (!s.ok()) return s;
  if (param_.encoding == KeyParam::Encoding::kPem || LooksLikePem(bytes.s)) {
    out->is_rsa = true;
    s = LoadRsaKey(bytes.s, want_private, &out->rsa);
    return s.ok() ? s : Error(s.message());
  }
  // DER that parses as an RSA key (either half) is one; an AES or HMAC key
  // never does.
  RsaKey rsa;
  if (LoadRsaKey(bytes.s, false, &rsa).ok()) {
    out->is_rsa = true;
    if (want_private && !RsaHasPrivate(rsa))
      return Error("an RSA public key where the private key is needed");
    out->rsa = std::move(rsa);
    return Status::OK();
  }
  if (bytes.s.empty()) return Error("empty key");
  out->is_rsa = false;
  out->symmetric = bytes.s;
  return Status::OK();
}

}  // namespace ddb::item_encryption
