#include "vtab/schema_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ddb::vtab {
namespace {

namespace fs = std::filesystem;

class SchemaCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("ddbsql-schema-cache-test-" + std::to_string(getpid())))
               .string();
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Moves every saved_at of the cache `seconds` into the past, as if the
  // files had been written then.
  void Age(double seconds) {
    for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      in.close();
      nlohmann::json j = nlohmann::json::parse(text.str());
      j["saved_at"] = j["saved_at"].get<double>() - seconds;
      std::ofstream(entry.path(), std::ios::trunc) << j.dump();
    }
  }

  static CachedSchema Schema(const std::string& arn, double created) {
    CachedSchema c;
    c.desc.arn = arn;
    c.desc.creation_time = created;
    c.desc.key.hash = {"id", "S"};
    c.attributes = {{"Name", "S"}, {"name", "S"}, {"n", ""}};
    c.sample.sampled = 2;
    c.sample.complete = true;
    return c;
  }

  std::string dir_;
  const std::string scope_ = SchemaCache::Scope("http://127.0.0.1:1", "us-east-1", "AKID");
};

TEST_F(SchemaCacheTest, TheTableListExpires) {
  SchemaCache cache(dir_, 3600);
  cache.SaveTables(scope_, {"a", "B"});
  std::vector<std::string> names;
  ASSERT_TRUE(cache.LoadTables(scope_, &names));
  EXPECT_EQ(names, (std::vector<std::string>{"a", "B"}));
  Age(3599);
  EXPECT_TRUE(cache.LoadTables(scope_, &names));
  Age(2);
  EXPECT_FALSE(cache.LoadTables(scope_, &names));
  // Another scope never reads it.
  cache.SaveTables(scope_, {"a"});
  EXPECT_FALSE(
      cache.LoadTables(SchemaCache::Scope("http://127.0.0.1:1", "us-east-1", "OTHER"), &names));
}

TEST_F(SchemaCacheTest, ATableEntryKeepsWhatItWasSampledUnderWhateverItsAge) {
  SchemaCache cache(dir_, 3600);
  cache.SaveTable(scope_, "t", Schema("arn:t", 1700000000.25));
  Age(86400);
  CachedSchema back;
  ASSERT_TRUE(cache.LoadTable(scope_, "t", &back));
  // What the vtab compares with DescribeTable's answer before reusing the
  // sample (vtab/dynamodb_connect.cc, SameTable).
  EXPECT_EQ(back.desc.arn, "arn:t");
  EXPECT_EQ(back.desc.creation_time, 1700000000.25);
  EXPECT_EQ(back.desc.key.hash.name, "id");
  EXPECT_FALSE(back.desc.key.range.has_value());
  EXPECT_EQ(back.attributes, Schema("", 0).attributes);
  EXPECT_TRUE(back.sample.complete);
  // Names differing only in case are different entries.
  EXPECT_FALSE(cache.LoadTable(scope_, "T", &back));
  cache.Forget(scope_, "t");
  EXPECT_FALSE(cache.LoadTable(scope_, "t", &back));
}

TEST_F(SchemaCacheTest, ADamagedFileIsNoEntry) {
  SchemaCache cache(dir_, 3600);
  cache.SaveTable(scope_, "t", Schema("arn:t", 1));
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    if (entry.is_regular_file()) std::ofstream(entry.path(), std::ios::trunc) << "{\"format\": 1";
  }
  CachedSchema back;
  EXPECT_FALSE(cache.LoadTable(scope_, "t", &back));
  EXPECT_FALSE(SchemaCache("", 3600).LoadTable(scope_, "t", &back));
}

}  // namespace
}  // namespace ddb::vtab
