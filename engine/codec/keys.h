// Key references: where a codec's secret comes from. A catalog never holds
// key material, only a reference to it:
//
//   env:NAME      the environment variable NAME
//   file:PATH     the file's contents ("~/" expands to $HOME); refused when
//                 the file is readable or writable by group or others, as ssh
//                 refuses such private keys
//   cmd:COMMAND   the standard output of COMMAND run by /bin/sh (a password
//                 manager, `aws secretsmanager get-secret-value ...`); it
//                 must exit 0
//
// One trailing newline ("\n" or "\r\n") is removed from file and command
// output. An empty secret is an error.
//
// A KeyStore reads each reference when first needed and keeps the secret in
// memory only (wiped when the store is destroyed). Secrets never appear in a
// Status: errors name the reference ("key env:SSN_PASSWORD: not set").
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace ddb::codec {

class KeyRef {
 public:
  enum class Kind { kEnv, kFile, kCmd };

  KeyRef() = default;
  // InvalidArgument for anything but env:NAME, file:PATH, cmd:COMMAND with a
  // non-empty target.
  static Status Parse(std::string_view text, KeyRef* out);

  Kind kind() const { return kind_; }
  const std::string& target() const { return target_; }
  // The reference as written ("env:SSN_PASSWORD"). Safe to print: it names
  // where the key is, not the key. Commands are shown as "cmd:..." followed
  // by their first word only, since arguments may hold a secret.
  std::string ToString() const;
  // The reference exactly as parsed (for re-serializing a catalog).
  std::string Spec() const;

 private:
  Kind kind_ = Kind::kEnv;
  std::string target_;
};

// Thread-safe. Copies of resolved secrets are handed out; callers wipe them
// with Wipe() when done when they can.
class KeyStore {
 public:
  KeyStore() = default;
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;
  ~KeyStore();

  // The secret `ref` refers to, read on the first call and cached.
  Status Resolve(const KeyRef& ref, std::string* secret);

  // Adds a secret without a reference source (tests, the decrypt() SQL
  // function's literal keys are not supported on purpose).
  void Set(const KeyRef& ref, std::string secret);

 private:
  std::mutex mu_;
  std::map<std::string, std::string> secrets_;  // by Spec()
};

// Overwrites `s` with zeros before clearing it.
void Wipe(std::string* s);

// Reads a reference without caching (KeyStore::Resolve uses it).
Status ReadKeyRef(const KeyRef& ref, std::string* secret);

}  // namespace ddb::codec
