#include "engine/connection.h"

#include "engine/aws/client.h"
#include "engine/aws/retry.h"
#include "engine/kms/client.h"

namespace ddb {

Status Connection::Open(ConnectionOptions options, std::shared_ptr<Connection>* out) {
  if (!options.env) options.env = aws::ProcessEnv();
  std::shared_ptr<aws::ConfigFiles> files;
  Status s = aws::ConfigFiles::Load(options.env, &files);
  if (!s.ok()) return s;

  std::shared_ptr<Connection> c(new Connection());
  s = aws::ResolveSettings(options.env, *files, options.overrides, &c->settings_);
  if (!s.ok()) return s;
  s = aws::ResolveEndpoint("dynamodb", options.env, *files, c->settings_, options.overrides,
                           &c->dynamodb_endpoint_);
  if (!s.ok()) return s;
  s = aws::ResolveEndpoint("s3", options.env, *files, c->settings_, options.overrides,
                           &c->s3_endpoint_);
  if (!s.ok()) return s;

  // STS (.whoami): the configured endpoints apply, --endpoint-url does not.
  c->sts_endpoint_status_ = aws::ResolveEndpoint("sts", options.env, *files, c->settings_,
                                                 aws::Overrides{}, &c->sts_endpoint_);

  aws::HttpOptions http = options.http;
  if (http.ca_bundle.empty()) http.ca_bundle = c->settings_.ca_bundle;
  aws::ApplyTimeouts(c->settings_, &http);
  c->http_ = options.shared_http ? options.shared_http : std::make_shared<aws::HttpClient>(http);
  if (options.credentials) {
    c->credentials_ = options.credentials;
  } else {
    c->credentials_ = aws::DefaultCredentialsChain(
        options.env, files, c->settings_.profile, c->settings_.explicit_profile, c->http_.get(),
        c->settings_.profile_from_flag, c->settings_.region);
  }
  c->quota_ = std::make_shared<aws::RetryQuota>();
  c->dynamodb_aws_ = std::make_shared<aws::AwsClient>(
      dynamodb::DynamoDbTraits(), c->dynamodb_endpoint_, c->settings_.region, c->credentials_,
      c->http_, aws::RetryPolicy::ForService("dynamodb", c->settings_), c->quota_);
  c->dynamodb_ = std::make_shared<dynamodb::DynamoDbClient>(c->dynamodb_aws_);
  c->env_ = options.env;
  c->files_ = files;
  c->s3_ = std::make_shared<s3::S3Client>(
      c->s3_endpoint_, c->settings_.region, c->credentials_, c->http_,
      aws::RetryPolicy::ForService("s3", c->settings_), c->quota_);
  *out = std::move(c);
  return Status::OK();
}

Status Connection::OpenKms(const std::string& region, std::shared_ptr<kms::KmsClient>* out) {
  aws::Settings settings = settings_;
  if (!region.empty()) settings.region = region;
  aws::Endpoint endpoint;
  Status s = aws::ResolveEndpoint("kms", env_, *files_, settings, aws::Overrides{}, &endpoint);
  if (!s.ok()) return s;
  auto client = std::make_shared<aws::AwsClient>(
      kms::KmsTraits(), endpoint, settings.region, credentials_, http_,
      aws::RetryPolicy::ForService("kms", settings), quota_);
  *out = std::make_shared<kms::KmsClient>(std::move(client));
  return Status::OK();
}

std::string StableIdentityOf(const aws::Credentials& creds, bool custom_endpoint,
                             const std::string& known_account, const std::string& profile) {
  if (creds.session_token.empty() || custom_endpoint) return creds.access_key_id;
  const std::string& account = creds.account_id.empty() ? known_account : creds.account_id;
  if (account.empty()) return creds.access_key_id;
  return account + "/profile:" + (profile.empty() ? "default" : profile);
}

std::string Connection::StableIdentity() {
  aws::Credentials c;
  if (!credentials_ || !credentials_->GetCredentials(&c).ok()) return "";
  return StableIdentityOf(c, dynamodb_endpoint_.custom, KnownAccount(), settings_.profile);
}

std::string Connection::Describe() const {
  std::string where =
      dynamodb_endpoint_.custom ? dynamodb_endpoint_.BaseUrl() : "profile " + settings_.profile;
  return where + ", " + settings_.region;
}

}  // namespace ddb
