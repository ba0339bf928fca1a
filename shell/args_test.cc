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
  // SQL words stay SQL, even with a '/' or ".sql" in them.
  for (std::vector<const char*> sql : {std::vector<const char*>{"SELECT 6/2"},
                                       {"SELECT", "6/2"},
                                       {"SELECT 'a.sql'"},
                                       {".tables"},
                                       {"VACUUM"}}) {
    ASSERT_TRUE(Parse(sql, &a).ok());
    ASSERT_EQ(a.inputs.size(), 1u);
    EXPECT_EQ(a.inputs[0].kind, Input::kSql);
  }
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

}  // namespace
}  // namespace ddb::shell
