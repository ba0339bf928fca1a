// Keeps the tests from seeing the developer's own setup: AWS settings,
// ~/.ddbsqlrc, the catalog, the schema cache and the ledger. A test that
// needs configuration builds it explicitly (files in a temporary folder,
// variables in an injected environment). HOME is a private folder, removed
// when the test process ends, and no XDG_* base directory is set, so every
// default path lies inside it.
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <system_error>

namespace {
struct IsolateEnvironment {
  IsolateEnvironment() {
    for (const char* name :
         {"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
          "AWS_SESSION_TOKEN", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME",
          "XDG_DATA_HOME", "DDBSQL_CATALOG"}) {
      unsetenv(name);
    }
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/ddbsql-tests/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ddbsql-tests/credentials", 1);
    std::error_code ec;
    std::string pattern =
        (std::filesystem::temp_directory_path(ec) / "ddbsql-tests-home-XXXXXX").string();
    if (!ec && mkdtemp(pattern.data()) != nullptr) {
      home_ = pattern;
      setenv("HOME", home_.c_str(), 1);
    }
  }
  ~IsolateEnvironment() {
    std::error_code ec;
    // Only the process that made it (a forked child that calls exit() must
    // not remove it under its parent).
    if (!home_.empty() && getpid() == owner_) std::filesystem::remove_all(home_, ec);
  }
  std::string home_;
  pid_t owner_ = getpid();
};
const IsolateEnvironment kIsolate;
}  // namespace
