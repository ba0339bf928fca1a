#include "shell/args.h"

#include <gtest/gtest.h>

#include <vector>

namespace ddb::shell {
namespace {

Status Parse(std::vector<const char*> words, Args* out) {
  words.insert(words.begin(), "ddbsql");
  return ParseArgs(static_cast<int>(words.size()), words.data(), out);
}

TEST(ArgsTest, CommandsAndFilesKeepTheirOrder) {
  Args a;
  ASSERT_TRUE(Parse({"-c", "SELECT 1", "-f", "/dev/null", "--command=SELECT 2"}, &a).ok());
  ASSERT_EQ(a.inputs.size(), 3u);
  EXPECT_EQ(a.inputs[0].kind, Input::kSql);
  EXPECT_EQ(a.inputs[0].text, "SELECT 1");
  EXPECT_EQ(a.inputs[1].kind, Input::kFile);
  EXPECT_EQ(a.inputs[1].text, "/dev/null");
  EXPECT_EQ(a.inputs[2].text, "SELECT 2");
}

TEST(ArgsTest, AMissingFileThatLooksLikeOneIsAUsageError) {
  Args a;
  for (const char* name : {"nosuchfile.sql", "no/such/file", "./x", "query.txt"}) {
    Status s = Parse({name}, &a);
    EXPECT_FALSE(s.ok()) << name;
    EXPECT_EQ(s.ToString(), std::string("cannot open \"") + name + "\": No such file or directory");
  }
  Status s = Parse({"-f", "gone.sql"}, &a);
  EXPECT_EQ(s.ToString(), "cannot open \"gone.sql\": No such file or directory");
  // SQL stays SQL, even with a '/' or ".sql" in it.
  for (std::vector<const char*> sql :
       {std::vector<const char*>{"SELECT 6/2"}, {"SELECT 'a.sql'"}, {".tables"}, {"VACUUM"}}) {
    ASSERT_TRUE(Parse(sql, &a).ok());
    ASSERT_EQ(a.inputs.size(), 1u);
    EXPECT_EQ(a.inputs[0].kind, Input::kSql);
  }
  // Any argument after the options, not only the first, is checked.
  EXPECT_EQ(Parse({"SELECT 1", "gone.sql"}, &a).ToString(),
            "cannot open \"gone.sql\": No such file or directory");
}

// As sqlite3 runs its SQL arguments: each argument after the options is an
// input of its own, after -c and -f, in order; a file argument is a script
// and may be given twice.
TEST(ArgsTest, ArgumentsAfterTheOptionsAreInputsOfTheirOwnAfterTheOptions) {
  Args a;
  ASSERT_TRUE(Parse({"SELECT 1", "SELECT 2"}, &a).ok());
  ASSERT_EQ(a.inputs.size(), 2u);
  EXPECT_EQ(a.inputs[0].text, "SELECT 1");
  EXPECT_EQ(a.inputs[1].text, "SELECT 2");
  ASSERT_TRUE(Parse({"/dev/null", "-c", "SELECT 'cmd'", "/dev/null", ".print x"}, &a).ok());
  ASSERT_EQ(a.inputs.size(), 4u);
  EXPECT_EQ(a.inputs[0].kind, Input::kSql);
  EXPECT_EQ(a.inputs[0].text, "SELECT 'cmd'");
  EXPECT_EQ(a.inputs[1].kind, Input::kFile);
  EXPECT_EQ(a.inputs[1].text, "/dev/null");
  EXPECT_EQ(a.inputs[2].kind, Input::kFile);
  EXPECT_EQ(a.inputs[3].kind, Input::kSql);
  EXPECT_EQ(a.inputs[3].text, ".print x");
  ASSERT_TRUE(Parse({"-f", "/dev/null", "SELECT 3"}, &a).ok());
  ASSERT_EQ(a.inputs.size(), 2u);
  EXPECT_EQ(a.inputs[0].kind, Input::kFile);
  EXPECT_EQ(a.inputs[1].text, "SELECT 3");
}

TEST(ArgsTest, EndpointAndTimeoutsAreCheckedAsFlags) {
  Args a;
  Status s = Parse({"--endpoint-url", "notaurl"}, &a);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("--endpoint-url"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("notaurl"), std::string::npos) << s.ToString();
  ASSERT_TRUE(Parse({"--cli-connect-timeout", "2.5", "--cli-read-timeout=0"}, &a).ok());
  EXPECT_EQ(a.overrides.connect_timeout, "2.5");
  EXPECT_EQ(a.overrides.read_timeout, "0");
  for (const char* bad : {"-1", "soon", "", "1e3"}) {
    EXPECT_FALSE(Parse({"--cli-read-timeout", bad}, &a).ok()) << bad;
  }
}

TEST(ArgsTest, EndpointUrlIsDynamoDbsAndS3HasAFlagOfItsOwn) {
  Args a;
  ASSERT_TRUE(Parse({"--endpoint-url", "http://ddb:1", "--s3-endpoint-url=http://s3:2"}, &a).ok());
  EXPECT_EQ(a.overrides.endpoint_url, "http://ddb:1");
  EXPECT_EQ(a.overrides.s3_endpoint_url, "http://s3:2");
  Status s = Parse({"-s3-endpoint-url", "ftp://x"}, &a);
  EXPECT_NE(s.ToString().find("-s3-endpoint-url"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace ddb::shell
