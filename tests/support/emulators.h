// Helpers for integration tests that talk to the local emulators started by
// scripts/test.sh (DynamoDB Local and moto's S3).
//
// The endpoints come from DDBSQL_TEST_DYNAMODB_URL and DDBSQL_TEST_S3_URL.
// When one is unset the test skips, unless DDBSQL_REQUIRE_EMULATORS=1, which
// scripts/test.sh sets so that a broken setup fails loudly instead of
// silently skipping every integration test:
//
//   TEST(ScanTest, ReadsAllPages) {
//     REQUIRE_DYNAMODB();
//     std::string table = ddb::test::UniqueTableName("scan");
//     ...
//   }
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace ddb::test {

// Credentials and region the tests use against DynamoDB Local. It keeps one
// database per access key id and region, so tests that share these see each
// other's tables (hence unique table names).
inline constexpr char kTestAccessKeyId[] = "ddbsqltest";
inline constexpr char kTestSecretAccessKey[] = "ddbsqltest-secret";
inline constexpr char kTestRegion[] = "us-east-1";

// DDBSQL_TEST_DYNAMODB_URL ("http://127.0.0.1:PORT"), or nullopt when unset
// or empty.
std::optional<std::string> DynamoDbUrl();

// DDBSQL_TEST_S3_URL, or nullopt when unset or empty.
std::optional<std::string> S3Url();

// True when DDBSQL_REQUIRE_EMULATORS is "1": a missing endpoint is then a
// failure, not a skip.
bool EmulatorsRequired();

// A DynamoDB table name no other test (or test process) uses:
// "<prefix>_<test name>_<pid>_<random>", only [A-Za-z0-9_.-], at most 200
// characters.
std::string UniqueTableName(std::string_view prefix = "t");

// An S3 bucket name no other test uses: lowercase letters, digits and
// hyphens, 3 to 63 characters, starting with "<prefix>-".
std::string UniqueBucketName(std::string_view prefix = "ddbsql");

}  // namespace ddb::test

// In a TEST body or SetUp(): skips the test (or fails it when emulators are
// required) if no DynamoDB endpoint was given. It returns from the enclosing
// function, which must therefore return void.
#define REQUIRE_DYNAMODB() DDBSQL_REQUIRE_EMULATOR_(::ddb::test::DynamoDbUrl(), "DYNAMODB")

// Same for the S3 endpoint.
#define REQUIRE_S3() DDBSQL_REQUIRE_EMULATOR_(::ddb::test::S3Url(), "S3")

// In a TEST body: skips the test when `available` is false because something
// scripts/setup.sh installs is missing (`what`: "a de_DE locale"), or fails it
// when DDBSQL_REQUIRE_EMULATORS=1 (scripts/test.sh, CI), where a skip would
// hide a broken setup.
#define REQUIRE_INSTALLED(available, what)                                        \
  do {                                                                            \
    if (!(available)) {                                                           \
      if (::ddb::test::EmulatorsRequired()) {                                     \
        FAIL() << (what)                                                          \
               << " is missing but DDBSQL_REQUIRE_EMULATORS=1 (scripts/setup.sh " \
                  "installs it)";                                                 \
      }                                                                           \
      GTEST_SKIP() << (what) << " is missing (scripts/setup.sh installs it)";     \
    }                                                                             \
  } while (0)

#define DDBSQL_REQUIRE_EMULATOR_(url, kind)                                            \
  do {                                                                                 \
    if (!(url).has_value()) {                                                          \
      if (::ddb::test::EmulatorsRequired()) {                                          \
        FAIL() << "DDBSQL_TEST_" kind                                                  \
                  "_URL is not set but DDBSQL_REQUIRE_EMULATORS=1; run "               \
                  "the tests with scripts/test.sh";                                    \
      }                                                                                \
      GTEST_SKIP() << "DDBSQL_TEST_" kind "_URL is not set (scripts/test.sh sets it)"; \
    }                                                                                  \
  } while (0)
