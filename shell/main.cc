// ddbsql: an SQL shell over Amazon DynamoDB. See shell/shell.h.
#include <cstdio>

#include "shell/args.h"
#include "shell/shell.h"

int main(int argc, char** argv) {
  ddb::shell::Args args;
  ddb::Status s = ddb::shell::ParseArgs(argc, argv, &args);
  if (!s.ok()) {
    std::fprintf(stderr, "ddbsql: %s\n", s.ToString().c_str());
    return 2;
  }
  ddb::shell::Shell shell(std::move(args));
  return shell.Run();
}
