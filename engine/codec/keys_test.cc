#include "engine/codec/keys.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace ddb::codec {
namespace {

namespace fs = std::filesystem;

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ddbsql_keys_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& content, mode_t mode) {
    fs::path p = dir_ / name;
    std::ofstream(p) << content;
    chmod(p.c_str(), mode);
    return p.string();
  }

  static Status Read(const std::string& text, std::string* secret) {
    KeyRef ref;
    Status s = KeyRef::Parse(text, &ref);
    if (!s.ok()) return s;
    return ReadKeyRef(ref, secret);
  }

  fs::path dir_;
};

TEST_F(KeysTest, ParsesTheThreeKindsAndRefusesLiteralKeys) {
  KeyRef ref;
  ASSERT_TRUE(KeyRef::Parse("env:SSN_PASSWORD", &ref).ok());
  EXPECT_EQ(ref.kind(), KeyRef::Kind::kEnv);
  EXPECT_EQ(ref.ToString(), "env:SSN_PASSWORD");
  ASSERT_TRUE(KeyRef::Parse("cmd:pass show db/ssn", &ref).ok());
  EXPECT_EQ(ref.ToString(), "cmd:pass ...");  // arguments may be secret
  EXPECT_EQ(ref.Spec(), "cmd:pass show db/ssn");
  Status s = KeyRef::Parse("hunter2", &ref);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos);
  EXPECT_FALSE(KeyRef::Parse("env:", &ref).ok());
}

TEST_F(KeysTest, Environment) {
  setenv("DDBSQL_TEST_KEY_VAR", "s3cret", 1);
  std::string secret;
  ASSERT_TRUE(Read("env:DDBSQL_TEST_KEY_VAR", &secret).ok());
  EXPECT_EQ(secret, "s3cret");
  unsetenv("DDBSQL_TEST_KEY_VAR");
  Status s = Read("env:DDBSQL_TEST_KEY_VAR", &secret);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_NE(s.message().find("env:DDBSQL_TEST_KEY_VAR"), std::string::npos);
}

TEST_F(KeysTest, FileMustBePrivate) {
  std::string secret;
  std::string ok = WriteFile("ok", "file-secret\n", 0600);
  ASSERT_TRUE(Read("file:" + ok, &secret).ok());
  EXPECT_EQ(secret, "file-secret");  // one trailing newline dropped
  for (mode_t mode : {0640, 0604, 0660, 0602}) {
    std::string open = WriteFile("open" + std::to_string(mode), "file-secret", mode);
    Status s = Read("file:" + open, &secret);
    ASSERT_FALSE(s.ok()) << mode;
    EXPECT_NE(s.message().find("too open"), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("file-secret"), std::string::npos);
  }
  EXPECT_TRUE(Read("file:" + (dir_ / "missing").string(), &secret).IsNotFound());
  std::string empty = WriteFile("empty", "", 0600);
  EXPECT_FALSE(Read("file:" + empty, &secret).ok());
}

TEST_F(KeysTest, FileExpandsHome) {
  const char* old = std::getenv("HOME");
  std::string saved = old ? old : "";
  setenv("HOME", dir_.c_str(), 1);
  WriteFile("k", "home-secret", 0600);
  std::string secret;
  Status s = Read("file:~/k", &secret);
  if (old) setenv("HOME", saved.c_str(), 1);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(secret, "home-secret");
}

TEST_F(KeysTest, CommandOutput) {
  std::string secret;
  ASSERT_TRUE(Read("cmd:printf 'from-cmd\\n'", &secret).ok());
  EXPECT_EQ(secret, "from-cmd");
  Status s = Read("cmd:echo leaked; exit 3", &secret);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("status 3"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("leaked"), std::string::npos);
}

TEST_F(KeysTest, StoreReadsOnceAndCaches) {
  std::string counter = (dir_ / "count").string();
  KeyRef ref;
  ASSERT_TRUE(KeyRef::Parse("cmd:echo x >> " + counter + "; echo k", &ref).ok());
  KeyStore store;
  std::string a, b;
  ASSERT_TRUE(store.Resolve(ref, &a).ok());
  ASSERT_TRUE(store.Resolve(ref, &b).ok());
  EXPECT_EQ(a, "k");
  EXPECT_EQ(b, "k");
  std::ifstream in(counter);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "x\n");
}

}  // namespace
}  // namespace ddb::codec
