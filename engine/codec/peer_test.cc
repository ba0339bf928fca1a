// The byte layouts README documents, cross-checked with a peer: values
// encoded here are decoded by tests/codec_peer.py (Python's cryptography,
// gzip and zlib following the README), and the peer's own encodings of the
// same plaintexts are decoded here. gzip and the deterministic schemes must
// match byte for byte.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/codec/codec.h"
#include "engine/codec/keys.h"
#include "engine/encoding.h"
#include "tests/support/emulators.h"
#include "tests/support/run_python.h"

#ifndef DDBSQL_SOURCE_DIR
#error "DDBSQL_SOURCE_DIR must be defined (the CMake build does)"
#endif

namespace ddb::codec {
namespace {

using dynamodb::AttributeValue;
using Json = nlohmann::json;

struct Item {
  std::string scheme;
  std::string secret;  // "" for compression
  std::string plain;
  std::shared_ptr<const Codec> codec;
};

TEST(CodecPeerTest, PythonReadsOurValuesAndWeReadPythons) {
  auto keys = std::make_shared<KeyStore>();
  Context ctx{"orders", "card", {{"id", AttributeValue::S("o-1")}, {"n", AttributeValue::N("7")}}};
  std::vector<Item> items;
  int next_ref = 0;
  auto cipher = [&](Scheme scheme, const std::string& secret, const std::string& plain) {
    KeyRef ref;
    EXPECT_TRUE(KeyRef::Parse("env:PEER" + std::to_string(next_ref++), &ref).ok());
    keys->Set(ref, secret);
    items.push_back({std::string(SchemeName(scheme)), secret, plain,
                     std::shared_ptr<const Codec>(NewCipherCodec(scheme, ref, keys))});
  };
  const std::string hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  std::string raw;
  for (int i = 0; i < 32; ++i) raw.push_back(static_cast<char>(255 - i));
  for (const std::string& plain :
       {std::string("4111 1111 1111 1111"), std::string(), std::string(1000, 'x') + "\x01\x02"}) {
    cipher(Scheme::kAes256Gcm, hex, plain);
    cipher(Scheme::kAes256Gcm, Base64Encode(raw), plain);
    cipher(Scheme::kAes256Siv, hex, plain);
    cipher(Scheme::kPynamoDbMateEcb, "my-password", plain);
    cipher(Scheme::kPynamoDbMateCtr, "my-password", plain);
    items.push_back({"gzip", "", plain, std::shared_ptr<const Codec>(NewGzipCodec())});
    items.push_back({"zlib", "", plain, std::shared_ptr<const Codec>(NewZlibCodec())});
  }
  cipher(Scheme::kAes256Gcm, "correct horse battery staple", "with a password");
  cipher(Scheme::kAes256Siv, "correct horse battery staple", "with a password");

  Json doc;
  std::vector<std::string> stored;
  for (const Item& item : items) {
    std::string s;
    ASSERT_TRUE(item.codec->Encode(ctx, item.plain, &s).ok()) << item.scheme;
    stored.push_back(s);
    Json key = Json::array();
    for (const KeyAttribute& k : ctx.key) {
      key.push_back({k.name, AttributeValue::TypeName(k.value.type()), k.value.scalar()});
    }
    doc["items"].push_back({{"scheme", item.scheme},
                            {"secret", item.secret},
                            {"table", ctx.table},
                            {"attribute", ctx.attribute},
                            {"key", key},
                            {"plain", Base64Encode(item.plain)},
                            {"stored", Base64Encode(s)}});
  }
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("ddbsql_codec_peer_" + std::to_string(getpid()) + ".json");
  std::ofstream(path) << doc.dump();
  int status = -1;
  std::string out = test::RunPythonScript("codec_peer.py", path.string(), &status);
  std::filesystem::remove(path);
  REQUIRE_INSTALLED(status != 3, "Python's cryptography package");
  ASSERT_EQ(status, 0) << out;
  Json result = Json::parse(out);
  EXPECT_TRUE(result["errors"].empty()) << result["errors"].dump(2);
  ASSERT_EQ(result["peer"].size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    std::string peer, back;
    ASSERT_TRUE(Base64Decode(result["peer"][i].get<std::string>(), &peer).ok());
    Status s = items[i].codec->Decode(ctx, peer, &back);
    ASSERT_TRUE(s.ok()) << i << " " << items[i].scheme << ": " << s.ToString();
    EXPECT_EQ(back, items[i].plain) << i << " " << items[i].scheme;
    if (items[i].scheme == "gzip") {
      // Python's gzip writers put 3 or 255 in the OS byte (9) depending on
      // the version and on whether mtime is given; the rest must match.
      ASSERT_EQ(peer.size(), stored[i].size());
      EXPECT_EQ(HexEncode(peer.substr(0, 9)), HexEncode(stored[i].substr(0, 9)));
      EXPECT_EQ(HexEncode(peer.substr(10)), HexEncode(stored[i].substr(10))) << i;
    } else if (items[i].codec->deterministic()) {
      EXPECT_EQ(HexEncode(peer), HexEncode(stored[i])) << i << " " << items[i].scheme;
    }
  }
}

}  // namespace
}  // namespace ddb::codec
