#include "engine/item_encryption/material_description.h"

#include <gtest/gtest.h>

#include "engine/encoding.h"
#include "engine/item_encryption/test_vectors.h"

namespace ddb::item_encryption {
namespace {

TEST(MaterialDescriptionTest, Vectors) {
  nlohmann::json vectors = testing::LoadJson("material_description.json");
  ASSERT_EQ(vectors.size(), 3u);
  for (const auto& v : vectors) {
    MaterialDescription d;
    for (const auto& [k, val] : v["material_description"].items()) d[k] = val.get<std::string>();
    EXPECT_EQ(Base64Encode(SerializeMaterialDescription(d)), v["serialized"].get<std::string>());
    std::string bytes;
    ASSERT_TRUE(Base64Decode(v["serialized"].get<std::string>(), &bytes).ok());
    MaterialDescription back;
    ASSERT_TRUE(ParseMaterialDescription(bytes, &back).ok());
    EXPECT_EQ(back, d);
  }
}

TEST(MaterialDescriptionTest, AcceptsAnyOrderAsJavaWrites) {
  std::string bytes("\0\0\0\0", 4);
  for (std::string_view f : {"b", "2", "a", "1"}) {
    bytes += std::string("\0\0\0", 3) + static_cast<char>(f.size());
    bytes += f;
  }
  MaterialDescription d;
  ASSERT_TRUE(ParseMaterialDescription(bytes, &d).ok());
  EXPECT_EQ(d, (MaterialDescription{{"a", "1"}, {"b", "2"}}));
}

TEST(MaterialDescriptionTest, RejectsDamage) {
  MaterialDescription d;
  EXPECT_FALSE(ParseMaterialDescription("", &d).ok());
  EXPECT_FALSE(ParseMaterialDescription(std::string("\0\0\0\1", 4), &d).ok());
  EXPECT_FALSE(ParseMaterialDescription(std::string("\0\0\0\0\0\0\0\1a", 9), &d).ok());
  EXPECT_FALSE(ParseMaterialDescription(std::string("\0\0\0\0\0\0\0\5a", 9), &d).ok());
  std::string twice("\0\0\0\0", 4);
  for (int i = 0; i < 2; ++i) twice += std::string("\0\0\0\1a\0\0\0\1b", 10);
  Status s = ParseMaterialDescription(twice, &d);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("given twice"), std::string::npos);
}

}  // namespace
}  // namespace ddb::item_encryption
