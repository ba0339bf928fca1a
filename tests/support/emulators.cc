#include "tests/support/emulators.h"

#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace ddb::test {

namespace {

std::optional<std::string> NonEmptyEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// "Suite.Name" of the running test, or "" outside a test.
std::string CurrentTestName() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "";
  return std::string(info->test_suite_name()) + "." + info->name();
}

// Keeps the characters `keep` accepts, maps the others to `replacement`, and
// truncates to `max_len`.
template <typename Keep>
std::string Sanitize(std::string_view in, size_t max_len, char replacement, Keep keep) {
  std::string out;
  for (char c : in) {
    if (out.size() >= max_len) break;
    out.push_back(keep(static_cast<unsigned char>(c)) ? c : replacement);
  }
  return out;
}

// pid + 32 random bits: unique across the test processes ctest runs at once
// and across the tests of one process.
std::string UniqueSuffix(char separator) {
  std::random_device rd;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%ld%c%08x", static_cast<long>(getpid()), separator,
                static_cast<unsigned>(rd()));
  return buf;
}

}  // namespace

std::optional<std::string> DynamoDbUrl() { return NonEmptyEnv("DDBSQL_TEST_DYNAMODB_URL"); }

std::optional<std::string> S3Url() { return NonEmptyEnv("DDBSQL_TEST_S3_URL"); }

bool EmulatorsRequired() {
  std::optional<std::string> value = NonEmptyEnv("DDBSQL_REQUIRE_EMULATORS");
  return value.has_value() && *value == "1";
}

std::string UniqueTableName(std::string_view prefix) {
  auto table_char = [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.';
  };
  std::string name = Sanitize(prefix, 40, '_', table_char);
  std::string test = Sanitize(CurrentTestName(), 120, '_', table_char);
  if (!test.empty()) name += "_" + test;
  return name + "_" + UniqueSuffix('_');
}

std::string UniqueBucketName(std::string_view prefix) {
  auto bucket_char = [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '-'; };
  std::string lowered;
  for (char c : prefix)
    lowered.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string name = Sanitize(lowered, 20, '-', bucket_char);
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name.front()))) name = "b" + name;
  // 63 at most: prefix (<= 21) + '-' + pid (<= 10) + '-' + 8 hex digits.
  return name + "-" + UniqueSuffix('-');
}

}  // namespace ddb::test
