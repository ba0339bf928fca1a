// Runs a Python peer script of tests/ (a checker written without this
// code) with the Python that has the test dependencies: DDBSQL_PYTHON (set
// by scripts/test.sh) or python3.
#pragma once

#include <string>

namespace ddb::test {

// Runs tests/<script> with `arg` (one argument, single-quoted: no quotes in
// it) and returns its standard output; *status is its exit status (-1 when
// it did not exit normally or could not start).
std::string RunPythonScript(const std::string& script, const std::string& arg, int* status);

}  // namespace ddb::test
