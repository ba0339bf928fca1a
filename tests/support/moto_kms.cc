#include "tests/support/moto_kms.h"

#include <nlohmann/json.hpp>

#include "engine/aws/config.h"
#include "tests/support/emulators.h"

namespace ddb::test {

Status MotoKms(std::shared_ptr<kms::KmsClient>* client, std::string* key_arn) {
  std::optional<std::string> url = S3Url();
  if (!url) return Status::InvalidArgument("DDBSQL_TEST_S3_URL is not set");
  aws::Endpoint endpoint;
  Status s = aws::ParseEndpointUrl(*url, &endpoint);
  if (!s.ok()) return s;
  aws::Credentials creds;
  creds.access_key_id = kTestAccessKeyId;
  creds.secret_access_key = kTestSecretAccessKey;
  creds.source = "test";
  auto aws = std::make_shared<aws::AwsClient>(
      kms::KmsTraits(), endpoint, kTestRegion, aws::StaticCredentials(creds),
      std::make_shared<aws::HttpClient>(), aws::RetryPolicy(), std::make_shared<aws::RetryQuota>());
  aws::ServiceRequest request;
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", "TrentService.CreateKey"}};
  request.body = R"({"Description": "ddbsql test"})";
  aws::HttpResponse response;
  s = aws->Call(request, &response);
  if (!s.ok()) return s;
  auto doc = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc["KeyMetadata"].is_object() ||
      !doc["KeyMetadata"]["Arn"].is_string()) {
    return Status::Corruption("CreateKey answered without KeyMetadata.Arn");
  }
  *key_arn = doc["KeyMetadata"]["Arn"].get<std::string>();
  *client = std::make_shared<kms::KmsClient>(aws);
  return Status::OK();
}

}  // namespace ddb::test
