// credential_process: the command a profile names, run with /bin/sh -c
// (stdin and stderr inherited), and the credentials JSON it prints.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "engine/aws/credentials_sources.h"

extern char** environ;

namespace ddb::aws {

namespace {

constexpr size_t kMaxProcessOutput = 1 << 20;

// Runs `command` with /bin/sh -c, stdout captured into *output, stdin and
// stderr inherited (a process may prompt for MFA on the terminal).
Status RunProcess(const std::string& command, const std::string& what, std::string* output) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Status::IOError(what + ": cannot create a pipe: " + std::strerror(errno));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() {
      if (fd >= 0) ::close(fd);
    }
  } read_end{fds[0]}, write_end{fds[1]};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::string arg0 = "sh", arg1 = "-c", arg2 = command;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(write_end.fd);
  write_end.fd = -1;
  if (rc != 0) return Status::IOError(what + ": cannot run /bin/sh: " + std::strerror(rc));

  output->clear();
  bool too_big = false;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(read_end.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output->size() + static_cast<size_t>(n) > kMaxProcessOutput) {
      too_big = true;  // keep draining so the child is not killed by SIGPIPE
    } else {
      output->append(buf, static_cast<size_t>(n));
    }
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return Status::IOError(what + ": waitpid: " + std::strerror(errno));
  }
  if (WIFSIGNALED(wstatus)) {
    return Status::NoCredentials(what + " was killed by signal " +
                                 std::to_string(WTERMSIG(wstatus)));
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status::NoCredentials(what + " exited with status " +
                                 std::to_string(WEXITSTATUS(wstatus)));
  }
  if (too_big) return Status::NoCredentials(what + ": output larger than 1 MiB");
  return Status::OK();
}

}  // namespace

Status ProcessCredentials(const std::string& profile, const std::string& command,
                          Credentials* out) {
  const std::string what = "credential_process of profile " + profile;
  std::string output;
  Status s = RunProcess(command, what, &output);
  if (!s.ok()) return s;
  Credentials c;
  s = CredentialsFromJson(output, what, "SessionToken", /*want_version=*/true, &c);
  if (!s.ok()) return s;
  c.source = "credential_process (profile " + profile + ")";
  *out = std::move(c);
  return Status::OK();
}

}  // namespace ddb::aws
