// Connection: everything needed to talk to one AWS account and region,
// resolved the way the AWS CLI does (see aws/config.h): settings, the
// credentials chain, the endpoints, one shared HTTP client, and the service
// clients built on them. Nothing is sent until a service is used.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "engine/aws/config.h"
#include "engine/aws/credentials.h"
#include "engine/aws/http.h"
#include "engine/aws/sts.h"
#include "engine/dynamodb/client.h"
#include "engine/s3/client.h"
#include "engine/status.h"

namespace ddb {

namespace kms {
class KmsClient;
}

struct ConnectionOptions {
  aws::Overrides overrides;  // --profile, --region, --endpoint-url
  aws::GetEnv env;           // defaults to the process environment
  aws::HttpOptions http;     // timeouts, TLS
  // Credentials to use instead of the chain (tests); empty: the chain.
  std::shared_ptr<aws::CredentialsProvider> credentials;
  // An HTTP client to share (another connection's); empty: a new one.
  std::shared_ptr<aws::HttpClient> shared_http;
};

class Connection {
 public:
  // Resolves settings and endpoints. Fails on configuration errors (unknown
  // profile, no region, malformed endpoint URL), not on network ones.
  static Status Open(ConnectionOptions options, std::shared_ptr<Connection>* out);

  const aws::Settings& settings() const { return settings_; }
  const aws::Endpoint& dynamodb_endpoint() const { return dynamodb_endpoint_; }
  const aws::Endpoint& s3_endpoint() const { return s3_endpoint_; }
  dynamodb::DynamoDbClient& dynamodb() { return *dynamodb_; }
  std::shared_ptr<dynamodb::DynamoDbClient> shared_dynamodb() { return dynamodb_; }
  // A KMS client (item_encryption's aws-kms provider) in `region` ("" for
  // the session's), with the session's credentials and HTTP client; its
  // endpoint from AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL or the profile's
  // services section (--endpoint-url is DynamoDB's and does not apply).
  Status OpenKms(const std::string& region, std::shared_ptr<kms::KmsClient>* out);
  // S3 on the same credentials, HTTP client and retry quota.
  std::shared_ptr<s3::S3Client> s3() { return s3_; }
  // The credentials chain (the ledger tells sessions apart by access key id).
  std::shared_ptr<aws::CredentialsProvider> credentials() { return credentials_; }
  aws::HttpClient& http() { return *http_; }
  std::shared_ptr<aws::HttpClient> shared_http() { return http_; }

  // A short description for prompts and messages: "profile dev, eu-west-1" or
  // "http://127.0.0.1:8000, us-east-1". Never includes secrets.
  std::string Describe() const;

  // The identity in use: STS GetCallerIdentity signed with the current
  // credentials (engine/connection_identity.cc). `source` says where the
  // credentials came from. Never a secret.
  Status WhoAmI(aws::CallerIdentity* out, std::string* source);
  // The account of the credentials in use when known without a request
  // (assumed roles, SSO, an earlier WhoAmI); "" otherwise. Never blocks on
  // the network: for the prompt.
  std::string KnownAccount() const;
  // Who the credentials are, stable from one session to the next (see
  // StableIdentityOf); keys the schema cache and the ledger's entries.
  std::string StableIdentity();

 private:
  Connection() = default;

  aws::Settings settings_;
  aws::Endpoint dynamodb_endpoint_;
  aws::Endpoint s3_endpoint_;
  std::shared_ptr<aws::HttpClient> http_;
  std::shared_ptr<aws::CredentialsProvider> credentials_;
  aws::Endpoint sts_endpoint_;
  Status sts_endpoint_status_;  // why sts_endpoint_ could not be resolved
  mutable std::mutex identity_mu_;
  std::string whoami_account_;  // guarded by identity_mu_
  std::shared_ptr<aws::RetryQuota> quota_;
  std::shared_ptr<aws::AwsClient> dynamodb_aws_;
  std::shared_ptr<dynamodb::DynamoDbClient> dynamodb_;
  aws::GetEnv env_;
  std::shared_ptr<aws::ConfigFiles> files_;
  std::shared_ptr<s3::S3Client> s3_;
};

// The identity of `creds` that stays the same from session to session: the
// access key id, except for temporary credentials against AWS itself
// (assumed roles, SSO, web identity), whose key id changes every session:
// then "ACCOUNT/profile:NAME" when the account is known. A custom endpoint
// (DynamoDB Local keeps one database per key id) always gets the key id.
std::string StableIdentityOf(const aws::Credentials& creds, bool custom_endpoint,
                             const std::string& known_account, const std::string& profile);

}  // namespace ddb
