#include "shell/whoami.h"

namespace ddb::shell {

Status WhoamiCommand(Connection& connection, const std::vector<std::string>& words,
                     std::FILE* out) {
  if (words.size() != 1) return Status::InvalidArgument("usage: .whoami");
  aws::CallerIdentity id;
  std::string source;
  Status s = connection.WhoAmI(&id, &source);
  if (!s.ok()) return s.WithContext(".whoami");
  std::fprintf(out, "account: %s\n", id.account.c_str());
  std::fprintf(out, "    arn: %s\n", id.arn.c_str());
  std::fprintf(out, " source: %s\n", source.c_str());
  return Status::OK();
}

}  // namespace ddb::shell
