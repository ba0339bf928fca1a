// KmsClient: the few AWS KMS operations the DynamoDB Encryption Client's
// aws-kms provider needs, over the AWS JSON 1.1 protocol (POST / with
// X-Amz-Target: TrentService.<Operation>) through aws::AwsClient (SigV4 with
// signing name "kms", retries).
//
// The endpoint is resolved as for any service (engine/aws/config.h):
// AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the profile's `services` section
// (`kms =` / `endpoint_url`), else https://kms.REGION.amazonaws.com. A key
// given by ARN lives in the ARN's region (KeyRegion).
//
// Plaintext data keys come back in the result structs and are wiped when
// they are destroyed; no error message ever holds key bytes. Every error
// but KMS's verdict on the ciphertext sent (InvalidCiphertextException,
// IncorrectKeyException) or a request that cannot be encoded is marked
// Status::AsUnavailable: it says nothing about the data.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine/aws/client.h"
#include "engine/status.h"

namespace ddb::kms {

// Signing name "kms", JSON error documents ("__type", "message").
aws::ServiceTraits KmsTraits();

// The region of a key ARN ("arn:aws:kms:us-west-2:111122223333:key/...")
// or alias ARN; "" for a key id or alias name, which live in the caller's
// region.
std::string KeyRegion(std::string_view key_id);

using EncryptionContext = std::map<std::string, std::string>;

struct GenerateDataKeyRequest {
  std::string key_id;  // key id, key ARN, alias name or alias ARN
  int number_of_bytes = 32;
  EncryptionContext encryption_context;
};

struct DataKeyResult {
  std::string key_id;           // the key's ARN, as KMS reports it
  std::string plaintext;        // raw bytes; wiped on destruction
  std::string ciphertext_blob;  // raw bytes
  ~DataKeyResult();
};

struct DecryptRequest {
  std::string ciphertext_blob;  // raw bytes
  EncryptionContext encryption_context;
  std::string key_id;  // optional: KMS then refuses a blob of another key
};

struct EncryptRequest {
  std::string key_id;
  std::string plaintext;  // raw bytes
  EncryptionContext encryption_context;
  ~EncryptRequest();
};

class KmsClient {
 public:
  // `aws` must have been built with KmsTraits().
  explicit KmsClient(std::shared_ptr<aws::AwsClient> aws);
  aws::AwsClient& aws() { return *aws_; }

  // Fills key_id, plaintext and ciphertext_blob.
  Status GenerateDataKey(const GenerateDataKeyRequest& request, DataKeyResult* out);
  // Fills key_id and plaintext. KMS answers InvalidCiphertextException
  // when the blob or the encryption context is not the one encrypted.
  Status Decrypt(const DecryptRequest& request, DataKeyResult* out);
  // Fills key_id and ciphertext_blob.
  Status Encrypt(const EncryptRequest& request, DataKeyResult* out);

 private:
  Status Invoke(const char* operation, const std::string& body, std::string* response);

  std::shared_ptr<aws::AwsClient> aws_;
};

}  // namespace ddb::kms
