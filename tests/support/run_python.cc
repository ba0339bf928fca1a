#include "tests/support/run_python.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace ddb::test {

std::string RunPythonScript(const std::string& script, const std::string& arg, int* status) {
  const char* py = std::getenv("DDBSQL_PYTHON");
  std::string cmd = std::string(py != nullptr && *py != '\0' ? py : "python3") + " '" +
                    DDBSQL_SOURCE_DIR + "/tests/" + script + "' '" + arg + "'";
  *status = -1;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  if (!pipe) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe.get())) > 0) out.append(buf, n);
  int rc = pclose(pipe.release());
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

}  // namespace ddb::test
