// What the default chain (credentials.cc) shares with the sources that live
// in files of their own: credential_process (credentials_process.cc), the
// ECS/EKS container endpoint (credentials_container.cc) and EC2 instance
// metadata (credentials_imds.cc). Private to engine/aws.
#pragma once

#include <optional>
#include <string>

#include "engine/aws/credentials.h"
#include "engine/status.h"

namespace ddb::aws {

class ConfigFiles;
class HttpClient;

// Short connect timeout for the container and metadata endpoints: on a
// laptop the metadata addresses usually do not answer.
inline constexpr long kMetadataConnectTimeoutMs = 1000;

// An environment variable; an empty value counts as unset.
std::optional<std::string> EnvValue(const GetEnv& env, const std::string& name);

// A container or metadata call worth one more attempt: no answer, HTTP 5xx
// or 429.
inline bool RetryMetadataCall(const Status& transport, long http_status) {
  return !transport.ok() || http_status >= 500 || http_status == 429;
}

// Reads credentials from a JSON document. `what` names the source in errors;
// no error repeats any part of `body`, which holds secrets.
Status CredentialsFromJson(const std::string& body, const std::string& what, const char* token_key,
                           bool want_version, Credentials* out);

// The profile's credential_process `command`, run with /bin/sh -c: the
// credentials it prints (Version 1 JSON). Errors name the profile and never
// echo the output.
Status ProcessCredentials(const std::string& profile, const std::string& command, Credentials* out);

// Container credentials (ECS task roles, EKS Pod Identity):
// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on 169.254.170.2 or
// AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN
// or the file AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE names (re-read each
// time). *found false (and OK) when neither URI variable is set.
Status ContainerCredentials(const GetEnv& env, HttpClient* http, Credentials* out, bool* found);

// AWS_EC2_METADATA_DISABLED is true.
bool ImdsDisabled(const GetEnv& env);

// The instance role's credentials from EC2 instance metadata. The endpoint
// and IMDSv1's use come from the environment, else from `profile` in `files`
// (may be null). `http` must not be null.
Status InstanceMetadataCredentials(const GetEnv& env, const ConfigFiles* files,
                                   const std::string& profile, HttpClient* http, Credentials* out);

}  // namespace ddb::aws
