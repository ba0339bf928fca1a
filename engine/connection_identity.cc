// Connection::WhoAmI and KnownAccount: the identity behind the credentials.
#include "engine/connection.h"

namespace ddb {

Status Connection::WhoAmI(aws::CallerIdentity* out, std::string* source) {
  if (!sts_endpoint_status_.ok()) return sts_endpoint_status_;
  aws::Credentials creds;
  Status s = credentials_->GetCredentials(&creds);
  if (!s.ok()) return s;
  aws::StsClient sts(http_.get(), sts_endpoint_, settings_.region);
  s = sts.GetCallerIdentity(creds, out);
  if (!s.ok()) {
    // Transport errors name the action and endpoint already.
    if (s.message().find(sts_endpoint_.BaseUrl()) != std::string::npos) return s;
    return s.WithContext("GetCallerIdentity at " + sts_endpoint_.BaseUrl());
  }
  *source = creds.source;
  std::lock_guard<std::mutex> lock(identity_mu_);
  whoami_account_ = out->account;
  return Status::OK();
}

std::string Connection::KnownAccount() const {
  std::string account = credentials_->KnownAccount();
  if (!account.empty()) return account;
  std::lock_guard<std::mutex> lock(identity_mu_);
  return whoami_account_;
}

}  // namespace ddb
