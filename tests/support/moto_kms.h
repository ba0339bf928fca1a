// KMS on moto's server for integration tests: the server at
// DDBSQL_TEST_S3_URL (scripts/test.sh) serves KMS beside S3.
//
//   REQUIRE_S3();
//   std::shared_ptr<kms::KmsClient> kms;
//   std::string key_arn;
//   ASSERT_TRUE(test::MotoKms(&kms, &key_arn).ok());
#pragma once

#include <memory>
#include <string>

#include "engine/kms/client.h"
#include "engine/status.h"

namespace ddb::test {

// A client for moto's KMS with the test credentials and region, and the ARN
// of a fresh symmetric key made for the caller (CreateKey, sent raw: it is
// no operation of KmsClient).
Status MotoKms(std::shared_ptr<kms::KmsClient>* client, std::string* key_arn);

}  // namespace ddb::test
