// Keeps the tests from seeing the developer's own AWS setup: a test that
// needs configuration builds it explicitly (files in a temporary folder,
// variables in an injected environment).
#include <cstdlib>
#include <initializer_list>

namespace {
struct IsolateAwsEnvironment {
  IsolateAwsEnvironment() {
    for (const char* name : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
                             "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
      unsetenv(name);
    }
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/ddbsql-tests/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ddbsql-tests/credentials", 1);
  }
};
const IsolateAwsEnvironment kIsolate;
}  // namespace
