// The .whoami dot-command: the account and ARN of the identity in use.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/status.h"

namespace ddb::shell {

// `.whoami`: prints account, arn and credentials source (never a secret),
// from STS GetCallerIdentity signed with the connection's credentials.
Status WhoamiCommand(Connection& connection, const std::vector<std::string>& words, std::FILE* out);

}  // namespace ddb::shell
