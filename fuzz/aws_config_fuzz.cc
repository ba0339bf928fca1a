// Fuzz target: the shared AWS config and credentials files (engine/aws/
// config.h), both the lenient reader (FromStrings) and the strict one that
// reads files (Load, which names the line of a malformed entry), then
// settings and endpoint resolution over what was read, and the parsers of
// endpoint URLs and timeouts. The input is split at its first NUL byte:
// config text before it, credentials text after.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/aws/config.h"

namespace {

// A folder of this process for the files Load reads (removed at exit by
// scripts/fuzz.sh, which runs the targets in a scratch directory).
const std::string& ScratchDir() {
  static const std::string dir = [] {
    std::string d = "fuzz-aws-config." + std::to_string(getpid());
    return d;
  }();
  return dir;
}

void WriteFile(const std::string& path, std::string_view text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void Resolve(const ddb::aws::ConfigFiles& files, const ddb::aws::GetEnv& env) {
  for (const char* profile : {"default", "dev", "a"}) {
    ddb::aws::Overrides flags;
    if (files.HasProfile(profile)) flags.profile = profile;
    ddb::aws::Settings settings;
    if (!ddb::aws::ResolveSettings(env, files, flags, &settings).ok()) continue;
    for (const char* service : {"dynamodb", "s3"}) {
      ddb::aws::Endpoint endpoint;
      if (ddb::aws::ResolveEndpoint(service, env, files, settings, flags, &endpoint).ok()) {
        (void)endpoint.BaseUrl();
        (void)endpoint.HostHeader();
      }
    }
    (void)files.ProfileValue(profile, "sso_session");
    (void)files.ServiceValue(profile, "s3", "endpoint_url");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t nul = text.find('\0');
  std::string_view config = text.substr(0, nul);
  std::string_view credentials =
      nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);

  // No environment: region and endpoints come from the files alone, with
  // a fallback region so that endpoint resolution is reached.
  ddb::aws::GetEnv env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_REGION") return std::string("us-east-1");
    return std::nullopt;
  };
  std::shared_ptr<ddb::aws::ConfigFiles> files =
      ddb::aws::ConfigFiles::FromStrings(config, credentials);
  Resolve(*files, env);

  // The strict reader, from files.
  static const bool made = [] {
    std::string cmd = ScratchDir();
    return mkdir(cmd.c_str(), 0700) == 0 || errno == EEXIST;
  }();
  if (made) {
    std::string config_path = ScratchDir() + "/config";
    std::string credentials_path = ScratchDir() + "/credentials";
    WriteFile(config_path, config);
    WriteFile(credentials_path, credentials);
    ddb::aws::GetEnv file_env = [&](const std::string& name) -> std::optional<std::string> {
      if (name == "AWS_CONFIG_FILE") return config_path;
      if (name == "AWS_SHARED_CREDENTIALS_FILE") return credentials_path;
      if (name == "AWS_REGION") return std::string("us-east-1");
      return std::nullopt;
    };
    std::shared_ptr<ddb::aws::ConfigFiles> loaded;
    if (ddb::aws::ConfigFiles::Load(file_env, &loaded).ok()) Resolve(*loaded, file_env);
  }

  ddb::aws::Endpoint endpoint;
  if (ddb::aws::ParseEndpointUrl(config, &endpoint).ok()) (void)endpoint.BaseUrl();
  (void)ddb::aws::RedactUrlUserInfo(config);
  double seconds = 0;
  (void)ddb::aws::ParseTimeoutSeconds(config, &seconds);
  return 0;
}
