#include "engine/codec/keys.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ddb::codec {
namespace {

// Secrets larger than this are refused (a key, a password, a token).
constexpr size_t kMaxSecret = 64 * 1024;

void TrimNewline(std::string* s) {
  if (!s->empty() && s->back() == '\n') s->pop_back();
  if (!s->empty() && s->back() == '\r') s->pop_back();
}

// RAII for a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// RAII for a popen() stream; Close() returns the exit status.
class Pipe {
 public:
  explicit Pipe(FILE* f) : f_(f) {}
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    if (f_) pclose(f_);
  }
  FILE* get() const { return f_; }
  int Close() {
    int rc = pclose(f_);
    f_ = nullptr;
    return rc;
  }

 private:
  FILE* f_;
};

Status ReadEnv(const KeyRef& ref, std::string* secret) {
  const char* v = std::getenv(ref.target().c_str());
  if (v == nullptr) return Status::NotFound("key " + ref.ToString() + ": variable not set");
  *secret = v;
  return Status::OK();
}

std::string ExpandHome(const std::string& path) {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (home != nullptr) return std::string(home) + path.substr(1);
  }
  return path;
}

Status ReadFileKey(const KeyRef& ref, std::string* secret) {
  std::string path = ExpandHome(ref.target());
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    int err = errno;
    std::string msg = "key " + ref.ToString() + ": " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(msg) : Status::IOError(msg);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return Status::IOError("key " + ref.ToString() + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("key " + ref.ToString() + ": not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument("key " + ref.ToString() + ": permissions " + mode +
                                   " are too open; the file must not be accessible by group or "
                                   "others (chmod 600)");
  }
  if (static_cast<size_t>(st.st_size) > kMaxSecret) {
    return Status::InvalidArgument("key " + ref.ToString() + ": file larger than 64 KiB");
  }
  secret->clear();
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      OPENSSL_cleanse(buf, sizeof(buf));
      return Status::IOError("key " + ref.ToString() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    secret->append(buf, static_cast<size_t>(n));
    if (secret->size() > kMaxSecret) break;
  }
  OPENSSL_cleanse(buf, sizeof(buf));
  TrimNewline(secret);
  return Status::OK();
}

Status ReadCmdKey(const KeyRef& ref, std::string* secret) {
  std::fflush(nullptr);
  Pipe pipe(popen(ref.target().c_str(), "re"));
  if (pipe.get() == nullptr) {
    return Status::IOError("key " + ref.ToString() +
                           ": cannot run the command: " + std::strerror(errno));
  }
  secret->clear();
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe.get())) > 0) {
    if (secret->size() + n > kMaxSecret) {
      OPENSSL_cleanse(buf, sizeof(buf));
      Wipe(secret);
      return Status::InvalidArgument("key " + ref.ToString() + ": output larger than 64 KiB");
    }
    secret->append(buf, n);
  }
  OPENSSL_cleanse(buf, sizeof(buf));
  int rc = pipe.Close();
  if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
    Wipe(secret);
    std::string how = rc == -1          ? "could not be waited for"
                      : WIFEXITED(rc)   ? "exited with status " + std::to_string(WEXITSTATUS(rc))
                      : WIFSIGNALED(rc) ? "was killed by signal " + std::to_string(WTERMSIG(rc))
                                        : "failed";
    return Status::IOError("key " + ref.ToString() + ": the command " + how);
  }
  TrimNewline(secret);
  return Status::OK();
}

}  // namespace

Status KeyRef::Parse(std::string_view text, KeyRef* out) {
  auto colon = text.find(':');
  std::string_view scheme = colon == std::string_view::npos ? "" : text.substr(0, colon);
  std::string_view target = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  KeyRef ref;
  if (scheme == "env") {
    ref.kind_ = Kind::kEnv;
  } else if (scheme == "file") {
    ref.kind_ = Kind::kFile;
  } else if (scheme == "cmd") {
    ref.kind_ = Kind::kCmd;
  } else {
    // Never quote the text: it may be a key pasted where a reference belongs.
    return Status::InvalidArgument(
        "a key must be a reference env:NAME, file:PATH or cmd:COMMAND, not the key itself");
  }
  if (target.empty()) {
    return Status::InvalidArgument("key reference " + std::string(scheme) + ": names nothing");
  }
  ref.target_ = std::string(target);
  *out = std::move(ref);
  return Status::OK();
}

std::string KeyRef::ToString() const {
  switch (kind_) {
    case Kind::kEnv:
      return "env:" + target_;
    case Kind::kFile:
      return "file:" + target_;
    case Kind::kCmd: {
      std::string first = target_.substr(0, target_.find_first_of(" \t"));
      return first.size() == target_.size() ? "cmd:" + first : "cmd:" + first + " ...";
    }
  }
  return "";
}

std::string KeyRef::Spec() const {
  switch (kind_) {
    case Kind::kEnv:
      return "env:" + target_;
    case Kind::kFile:
      return "file:" + target_;
    case Kind::kCmd:
      return "cmd:" + target_;
  }
  return "";
}

KeyStore::~KeyStore() {
  for (auto& [name, secret] : secrets_) Wipe(&secret);
}

Status KeyStore::Resolve(const KeyRef& ref, std::string* secret) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string spec = ref.Spec();
  auto it = secrets_.find(spec);
  if (it == secrets_.end()) {
    std::string value;
    Status s = ReadKeyRef(ref, &value);
    if (!s.ok()) return s;
    it = secrets_.emplace(spec, std::move(value)).first;
  }
  *secret = it->second;
  return Status::OK();
}

void KeyStore::Set(const KeyRef& ref, std::string secret) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string& slot = secrets_[ref.Spec()];
  Wipe(&slot);
  slot = std::move(secret);
}

void Wipe(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

Status ReadKeyRef(const KeyRef& ref, std::string* secret) {
  Status s;
  switch (ref.kind()) {
    case KeyRef::Kind::kEnv:
      s = ReadEnv(ref, secret);
      break;
    case KeyRef::Kind::kFile:
      s = ReadFileKey(ref, secret);
      break;
    case KeyRef::Kind::kCmd:
      s = ReadCmdKey(ref, secret);
      break;
  }
  if (!s.ok()) return s;
  if (secret->empty()) return Status::InvalidArgument("key " + ref.ToString() + ": empty");
  return Status::OK();
}

}  // namespace ddb::codec
