#include "engine/codec/codec.h"

namespace ddb::codec {

std::string Context::Describe() const { return "table " + table + ", column " + attribute; }
std::string Context::AssociatedData() const { return table + '\0' + attribute; }

bool Chain::deterministic() const {
  for (const auto& s : steps_) {
    if (!s->deterministic()) return false;
  }
  return true;
}

std::string Chain::Describe() const {
  std::string out;
  for (const auto& s : steps_) {
    if (!out.empty()) out += ", ";
    out += s->name();
  }
  return out;
}

Status Chain::Encode(const Context& ctx, std::string_view plain, std::string* out) const {
  std::string cur(plain);
  for (const auto& s : steps_) {
    std::string next;
    Status st = s->Encode(ctx, cur, &next);
    if (!st.ok()) return st;
    cur.swap(next);
  }
  *out = std::move(cur);
  return Status::OK();
}

Status Chain::Decode(const Context& ctx, std::string_view stored, std::string* out) const {
  std::string cur(stored);
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    std::string next;
    Status st = (*it)->Decode(ctx, cur, &next);
    if (!st.ok()) return st;
    cur.swap(next);
  }
  *out = std::move(cur);
  return Status::OK();
}

namespace {
class StubCodec : public Codec {
 public:
  explicit StubCodec(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  bool deterministic() const override { return true; }
  Status Encode(const Context&, std::string_view, std::string*) const override {
    return Status::NotSupported(name_ + ": not implemented yet");
  }
  Status Decode(const Context&, std::string_view, std::string*) const override {
    return Status::NotSupported(name_ + ": not implemented yet");
  }

 private:
  std::string name_;
};
}  // namespace

std::unique_ptr<Codec> NewGzipCodec(int) { return std::make_unique<StubCodec>("gzip"); }
std::unique_ptr<Codec> NewZlibCodec(int) { return std::make_unique<StubCodec>("zlib"); }
std::unique_ptr<Codec> NewZstdCodec(int) { return std::make_unique<StubCodec>("zstd"); }
std::unique_ptr<Codec> NewBase64Codec() { return std::make_unique<StubCodec>("base64"); }

Status ParseScheme(std::string_view name, Scheme* scheme) {
  if (name == "pynamodb-mate-ecb")
    *scheme = Scheme::kPynamoDbMateEcb;
  else if (name == "pynamodb-mate-ctr")
    *scheme = Scheme::kPynamoDbMateCtr;
  else if (name == "aes-256-gcm")
    *scheme = Scheme::kAes256Gcm;
  else if (name == "aes-256-siv")
    *scheme = Scheme::kAes256Siv;
  else
    return Status::InvalidArgument("unknown scheme \"" + std::string(name) + "\"");
  return Status::OK();
}

std::string_view SchemeName(Scheme scheme) {
  switch (scheme) {
    case Scheme::kPynamoDbMateEcb:
      return "pynamodb-mate-ecb";
    case Scheme::kPynamoDbMateCtr:
      return "pynamodb-mate-ctr";
    case Scheme::kAes256Gcm:
      return "aes-256-gcm";
    case Scheme::kAes256Siv:
      return "aes-256-siv";
  }
  return "";
}

std::unique_ptr<Codec> NewCipherCodec(Scheme scheme, const KeyRef&, std::shared_ptr<KeyStore>) {
  return std::make_unique<StubCodec>(std::string(SchemeName(scheme)));
}

}  // namespace ddb::codec
