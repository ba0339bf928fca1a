#include "shell/history.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ddb::shell {
namespace {

TEST(HistoryTest, SecretWordsAreNeverRecorded) {
  for (const char* line : {
           "SELECT secret FROM t;",
           ".param set :pw 'Password1'",
           "select * from users where passwd = 'x';",
           "SELECT aws_secret_access_key FROM creds;",
           "INSERT INTO t VALUES ('my passphrase is long');",
           "SELECT * FROM sessions WHERE session_token = 'abc';",
           "SELECT * FROM Credentials;",
           "SELECT TOKENS FROM usage;",
       }) {
    EXPECT_TRUE(CarriesSecret(line)) << line;
  }
}

TEST(HistoryTest, UrlsWithUserInfoAreNeverRecorded) {
  EXPECT_TRUE(CarriesSecret(".endpoint http://admin:pw@127.0.0.1:8000"));
  EXPECT_TRUE(CarriesSecret("SELECT 'https://u:p@host/path';"));
  EXPECT_FALSE(CarriesSecret(".endpoint http://127.0.0.1:8000"));
  EXPECT_FALSE(CarriesSecret("SELECT 'http://host/a@b';"));  // '@' after the host
}

TEST(HistoryTest, AccessKeyIdsAreNeverRecorded) {
  EXPECT_TRUE(CarriesSecret("SELECT * FROM keys WHERE id = 'AKIAIOSFODNN7EXAMPLE';"));
  EXPECT_TRUE(CarriesSecret("x ASIAY34FZKBOKMUTVV7A y"));
  // Too short, or lower case: not a key id.
  EXPECT_FALSE(CarriesSecret("SELECT 'AKIA1234';"));
  EXPECT_FALSE(CarriesSecret("SELECT 'akiaiosfodnn7example';"));
}

TEST(HistoryTest, KeyAssignmentsWithRandomValuesAreNeverRecorded) {
  for (const char* line : {
           ".crypt key=q8Vt3ZbN0xYw5LmKa2Rs",         // base64, mixed
           "--key=00112233445566778899aabbccddeeff",  // 32 hex digits
           "SELECT encrypt(v, 'x') FROM t WHERE api_key = 'Zm9vYmFyYmF6cXV4MTIz';",
           "{\"key\": \"dGhpc2lzYWtleQ==\"}",  // padded base64
           ".parameter set :key 'Yk3mN8pQ2rT5vW9xZ1aB'",
           "SELECT 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';",  // a secret key's shape
       }) {
    EXPECT_TRUE(CarriesSecret(line)) << line;
  }
}

TEST(HistoryTest, OrdinaryStatementsAreRecorded) {
  for (const char* line : {
           "SELECT * FROM demo WHERE id = 'user-1234567890123456';",
           "SELECT pk, sort_key FROM orders WHERE sort_key = 'order#2024-01-01#000123';",
           "SELECT keys FROM t;",
           "SELECT * FROM t WHERE h = 'deadbeefdeadbeef';",  // short hex
           ".mode box", "SELECT count(*) FROM \"my-table\";",
           "SELECT * FROM t WHERE keyword = 'AbCdEfGh12345678XyZ';",  // not "key"
       }) {
    EXPECT_FALSE(CarriesSecret(line)) << line;
  }
}

TEST(HistoryTest, EncodingKeepsMultiLineStatementsWhole) {
  std::string entry = "SELECT *\nFROM t\r\nWHERE v = 'a\\nb';";
  std::string line = EncodeHistoryEntry(entry);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line, "SELECT *\\nFROM t\\r\\nWHERE v = 'a\\\\nb';");
  EXPECT_EQ(DecodeHistoryEntry(line), entry);
}

TEST(HistoryTest, Path) {
  EXPECT_EQ(HistoryPath("/x/state", "/home/u"), "/x/state/ddbsql/history");
  EXPECT_EQ(HistoryPath("", "/home/u"), "/home/u/.local/state/ddbsql/history");
  EXPECT_EQ(HistoryPath("relative", "/home/u"), "/home/u/.local/state/ddbsql/history");
  EXPECT_EQ(HistoryPath(nullptr, nullptr), "");
}

class HistoryFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ddbsql-history-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/state/ddbsql/history";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string ReadFile() {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir_;
  std::string path_;
};

TEST_F(HistoryFileTest, AppendCreatesPrivateFileAndSessionsShareIt) {
  HistoryFile first(path_);
  HistoryFile second(path_);
  ASSERT_TRUE(first.Append("SELECT 1;").ok());
  ASSERT_TRUE(second.Append("SELECT *\nFROM t;").ok());
  ASSERT_TRUE(first.Append("SELECT 'AKIAIOSFODNN7EXAMPLE';").ok());  // silently dropped
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir_ + "/state/ddbsql").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(ReadFile(), "SELECT 1;\nSELECT *\\nFROM t;\n");

  std::vector<std::string> entries;
  ASSERT_TRUE(HistoryFile(path_).Load(&entries).ok());
  EXPECT_EQ(entries, (std::vector<std::string>{"SELECT 1;", "SELECT *\nFROM t;"}));
}

TEST_F(HistoryFileTest, LoadDropsSecretsAndOldEntriesAndFixesTheMode) {
  std::filesystem::create_directories(dir_ + "/state/ddbsql");
  {
    std::ofstream out(path_);
    out << "one\n.param set :pw 'hunter2' -- password\ntwo\nthree\n";
  }
  chmod(path_.c_str(), 0644);
  std::vector<std::string> entries;
  ASSERT_TRUE(HistoryFile(path_, 2).Load(&entries).ok());
  EXPECT_EQ(entries, (std::vector<std::string>{"two", "three"}));
  EXPECT_EQ(ReadFile(), "two\nthree\n");
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Unchanged content: not rewritten, but made private.
  chmod(path_.c_str(), 0644);
  ASSERT_TRUE(HistoryFile(path_, 2).Load(&entries).ok());
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(HistoryFileTest, MissingFileIsEmpty) {
  std::vector<std::string> entries = {"stale"};
  ASSERT_TRUE(HistoryFile(path_).Load(&entries).ok());
  EXPECT_TRUE(entries.empty());
  EXPECT_FALSE(std::filesystem::exists(path_));
}

}  // namespace
}  // namespace ddb::shell
