#include "engine/kms/client.h"

#include <openssl/crypto.h>
#include <nlohmann/json.hpp>

#include "engine/encoding.h"

namespace ddb::kms {
namespace {

using json = nlohmann::json;

void Cleanse(std::string* s) {
  OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

std::string Clip(std::string_view s, size_t n) {
  std::string out(s.substr(0, n));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

std::string StringMember(const json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Status ParseKmsError(const aws::HttpResponse& response) {
  const int http_status = static_cast<int>(response.status);
  const std::string fallback = "HTTP " + std::to_string(http_status);
  json doc = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Status::AwsError(fallback, Clip(response.body, 200), http_status);
  std::string code = StringMember(doc, "__type");
  if (code.empty()) code = std::string(aws::FindHeader(response.headers, "x-amzn-errortype"));
  if (size_t hash = code.find('#'); hash != std::string::npos) code.erase(0, hash + 1);
  code.erase(std::min(code.size(), code.find(':')));
  if (code.empty()) code = fallback;
  std::string message = StringMember(doc, "message");
  if (message.empty()) message = StringMember(doc, "Message");
  return Status::AwsError(std::move(code), Clip(message, 500), http_status);
}

json ContextJson(const EncryptionContext& ec) {
  json out = json::object();
  for (const auto& [k, v] : ec) out[k] = v;
  return out;
}

// Reads a base64 member of a response into raw bytes.
Status BlobMember(const json& doc, const char* operation, const char* name, std::string* out) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) {
    return Status::Corruption(std::string("KMS ") + operation + " response has no " + name);
  }
  std::string text = it->get<std::string>();
  Status s = Base64Decode(text, out);
  Cleanse(&text);
  if (!s.ok()) {
    return Status::Corruption(std::string("KMS ") + operation + " response: " + name +
                              " is not base64");
  }
  return Status::OK();
}

Status ParseBody(const char* operation, std::string* body, json* doc) {
  *doc = json::parse(*body, nullptr, /*allow_exceptions=*/false);
  Cleanse(body);
  if (!doc->is_object()) {
    return Status::Corruption(std::string("KMS ") + operation + " response is not a JSON object");
  }
  return Status::OK();
}

// Wipes every string of a response document that may hold a plaintext key.
void CleanseJson(json* doc) {
  auto it = doc->find("Plaintext");
  if (it != doc->end() && it->is_string()) Cleanse(it->get_ptr<std::string*>());
}

// The request body; a string that is not UTF-8 (an encryption context
// from binary data) is an error rather than an exception.
Status Dump(const json& body, std::string* out) {
  try {
    *out = body.dump();
  } catch (const json::exception&) {
    return Status::InvalidArgument("KMS request: a string is not valid UTF-8");
  }
  return Status::OK();
}

// A failed operation's error, marked Status::AsUnavailable unless KMS
// judged the request's ciphertext: InvalidCiphertextException (the blob or
// its encryption context is not the one encrypted) and
// IncorrectKeyException say something about the data; unreachable,
// throttled, refused (AccessDenied, a disabled key), failing or garbled
// answers do not.
Status Marked(const Status& s) {
  if (s.ok()) return s;
  if (s.aws_code() == "InvalidCiphertextException" || s.aws_code() == "IncorrectKeyException") {
    return s;
  }
  return s.AsUnavailable();
}

}  // namespace

aws::ServiceTraits KmsTraits() {
  aws::ServiceTraits traits;
  traits.signing_name = "kms";
  traits.parse_error = ParseKmsError;
  traits.validate = [](const aws::HttpResponse&) { return Status::OK(); };
  return traits;
}

std::string KeyRegion(std::string_view key_id) {
  // arn:PARTITION:kms:REGION:ACCOUNT:key/ID or ...:alias/NAME
  if (!key_id.starts_with("arn:")) return "";
  size_t pos = 0;
  for (int field = 0; field < 3; ++field) {
    pos = key_id.find(':', pos);
    if (pos == std::string_view::npos) return "";
    ++pos;
  }
  size_t end = key_id.find(':', pos);
  if (end == std::string_view::npos) return "";
  return std::string(key_id.substr(pos, end - pos));
}

DataKeyResult::~DataKeyResult() { Cleanse(&plaintext); }
EncryptRequest::~EncryptRequest() { Cleanse(&plaintext); }

KmsClient::KmsClient(std::shared_ptr<aws::AwsClient> aws) : aws_(std::move(aws)) {}

Status KmsClient::Invoke(const char* operation, const std::string& body, std::string* response) {
  aws::ServiceRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", std::string("TrentService.") + operation}};
  request.context = std::string("KMS ") + operation;
  request.body = body;
  aws::HttpResponse http;
  Status s = aws_->Call(request, &http);
  Cleanse(&request.body);
  if (!s.ok()) return s;
  *response = std::move(http.body);
  return Status::OK();
}

Status KmsClient::GenerateDataKey(const GenerateDataKeyRequest& request, DataKeyResult* out) {
  json body = {{"KeyId", request.key_id},
               {"NumberOfBytes", request.number_of_bytes},
               {"EncryptionContext", ContextJson(request.encryption_context)}};
  std::string dumped, text;
  Status s = Dump(body, &dumped);
  if (!s.ok()) return s;
  s = Marked(Invoke("GenerateDataKey", dumped, &text));
  if (!s.ok()) return s;
  json doc;
  s = ParseBody("GenerateDataKey", &text, &doc);
  if (s.ok()) s = BlobMember(doc, "GenerateDataKey", "Plaintext", &out->plaintext);
  if (s.ok()) s = BlobMember(doc, "GenerateDataKey", "CiphertextBlob", &out->ciphertext_blob);
  if (s.ok()) out->key_id = StringMember(doc, "KeyId");
  CleanseJson(&doc);
  return Marked(s);
}

Status KmsClient::Decrypt(const DecryptRequest& request, DataKeyResult* out) {
  json body = {{"CiphertextBlob", Base64Encode(request.ciphertext_blob)},
               {"EncryptionContext", ContextJson(request.encryption_context)}};
  if (!request.key_id.empty()) body["KeyId"] = request.key_id;
  std::string dumped, text;
  Status s = Dump(body, &dumped);
  if (!s.ok()) return s;
  s = Marked(Invoke("Decrypt", dumped, &text));
  if (!s.ok()) return s;
  json doc;
  s = ParseBody("Decrypt", &text, &doc);
  if (s.ok()) s = BlobMember(doc, "Decrypt", "Plaintext", &out->plaintext);
  if (s.ok()) out->key_id = StringMember(doc, "KeyId");
  CleanseJson(&doc);
  return Marked(s);
}

Status KmsClient::Encrypt(const EncryptRequest& request, DataKeyResult* out) {
  json body = {{"KeyId", request.key_id},
               {"Plaintext", Base64Encode(request.plaintext)},
               {"EncryptionContext", ContextJson(request.encryption_context)}};
  std::string dumped, text;
  Status s = Dump(body, &dumped);
  Cleanse(body["Plaintext"].get_ptr<std::string*>());
  if (s.ok()) s = Marked(Invoke("Encrypt", dumped, &text));
  Cleanse(&dumped);
  if (!s.ok()) return s;
  json doc;
  s = ParseBody("Encrypt", &text, &doc);
  if (s.ok()) s = BlobMember(doc, "Encrypt", "CiphertextBlob", &out->ciphertext_blob);
  if (s.ok()) out->key_id = StringMember(doc, "KeyId");
  return Marked(s);
}

}  // namespace ddb::kms
