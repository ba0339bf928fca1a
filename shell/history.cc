#include "shell/history.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/strings.h"

namespace ddb::shell {

namespace {

constexpr std::array<std::string_view, 6> kSecretWords = {"secret",     "password", "passwd",
                                                          "passphrase", "token",    "credential"};

bool IsBase64Char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '-' ||
         c == '_';
}

bool ContainsWordIgnoringCase(std::string_view text, std::string_view word) {
  if (word.size() > text.size()) return false;
  for (size_t i = 0; i + word.size() <= text.size(); ++i) {
    size_t j = 0;
    while (j < word.size() && str::AsciiLower(text[i + j]) == word[j]) {
      ++j;
    }
    if (j == word.size()) return true;
  }
  return false;
}

bool HasAccessKeyId(std::string_view text) {
  for (size_t i = 0; i + 20 <= text.size(); ++i) {
    std::string_view prefix = text.substr(i, 4);
    if (prefix != "AKIA" && prefix != "ASIA") continue;
    size_t j = i + 4;
    while (j < i + 20 && (std::isupper(static_cast<unsigned char>(text[j])) ||
                          std::isdigit(static_cast<unsigned char>(text[j])))) {
      ++j;
    }
    if (j == i + 20) return true;
  }
  return false;
}

struct CharClasses {
  bool upper = false;
  bool lower = false;
  bool digit = false;
  bool all_hex = true;
};

CharClasses Classify(std::string_view run) {
  CharClasses c;
  for (char ch : run) {
    auto u = static_cast<unsigned char>(ch);
    c.upper |= std::isupper(u) != 0;
    c.lower |= std::islower(u) != 0;
    c.digit |= std::isdigit(u) != 0;
    c.all_hex &= std::isxdigit(u) != 0;
  }
  return c;
}

// A value that looks like generated key material rather than a word or an id.
// `padding`: the '=' characters that follow the run.
bool LooksRandom(std::string_view run, size_t padding) {
  CharClasses c = Classify(run);
  if (c.all_hex && run.size() >= 32) return true;
  if (run.size() + padding < 16) return false;
  return padding > 0 || (c.upper && c.lower && c.digit);
}

// Length of the base64/base64url run starting at `i` (without '=' padding).
size_t RunLength(std::string_view text, size_t i) {
  size_t j = i;
  while (j < text.size() && IsBase64Char(text[j])) ++j;
  return j - i;
}

bool HasKeyAssignment(std::string_view text) {
  for (size_t i = 0; i + 3 <= text.size(); ++i) {
    if (!str::StartsWithIgnoreCase(text.substr(i), "key")) {
      continue;
    }
    size_t j = i + 3;
    // "key" must end its word: "keys", "keyword" are other words.
    if (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_'))
      continue;
    auto skip = [&](std::string_view chars) {
      while (j < text.size() && chars.find(text[j]) != std::string_view::npos) ++j;
    };
    skip("\"'` \t");
    skip("=:");
    skip("\"'` \t");
    size_t n = RunLength(text, j);
    size_t padding = 0;
    while (j + n + padding < text.size() && text[j + n + padding] == '=') ++padding;
    if (LooksRandom(text.substr(j, n), padding)) return true;
  }
  return false;
}

bool HasLongRandomRun(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (!IsBase64Char(text[i])) {
      ++i;
      continue;
    }
    size_t n = RunLength(text, i);
    if (n >= 40) {
      CharClasses c = Classify(text.substr(i, n));
      if (c.upper && c.lower && c.digit) return true;
    }
    i += n;
  }
  return false;
}

}  // namespace

bool CarriesSecret(std::string_view entry) {
  for (std::string_view word : kSecretWords) {
    if (ContainsWordIgnoringCase(entry, word)) return true;
  }
  // A URL with user info (http://user:password@host) carries a password.
  for (size_t at = entry.find("://"); at != std::string_view::npos;
       at = entry.find("://", at + 3)) {
    size_t end = entry.find_first_of("/?# \t'\"", at + 3);
    if (entry.substr(at + 3, end == std::string_view::npos ? end : end - at - 3).find('@') !=
        std::string_view::npos) {
      return true;
    }
  }
  return HasAccessKeyId(entry) || HasKeyAssignment(entry) || HasLongRandomRun(entry);
}

std::string EncodeHistoryEntry(std::string_view entry) {
  std::string out;
  out.reserve(entry.size());
  for (char c : entry) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

std::string DecodeHistoryEntry(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      char e = line[++i];
      out += e == 'n' ? '\n' : e == 'r' ? '\r' : e;
    } else {
      out += line[i];
    }
  }
  return out;
}

std::string HistoryPath(const char* xdg_state_home, const char* home) {
  if (xdg_state_home && xdg_state_home[0] == '/') {
    return std::string(xdg_state_home) + "/ddbsql/history";
  }
  if (home && *home) return std::string(home) + "/.local/state/ddbsql/history";
  return "";
}

HistoryFile::HistoryFile(std::string path, size_t max_entries)
    : path_(std::move(path)), max_entries_(max_entries) {}

Status HistoryFile::Load(std::vector<std::string>* entries) {
  entries->clear();
  if (path_.empty()) return Status::OK();
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return Status::OK();
    return Status::IOError("cannot read history " + path_ + ": " + std::strerror(errno));
  }
  bool changed = false;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::string entry = DecodeHistoryEntry(line);
    if (CarriesSecret(entry)) {
      changed = true;
      continue;
    }
    entries->push_back(std::move(entry));
  }
  in.close();
  if (entries->size() > max_entries_) {
    entries->erase(entries->begin(),
                   entries->begin() + static_cast<std::ptrdiff_t>(entries->size() - max_entries_));
    changed = true;
  }
  if (changed) return Rewrite(*entries);
  struct stat st {};
  if (stat(path_.c_str(), &st) == 0 && (st.st_mode & 077) != 0) chmod(path_.c_str(), 0600);
  return Status::OK();
}

Status HistoryFile::Append(std::string_view entry) {
  if (path_.empty() || entry.empty() || CarriesSecret(entry)) return Status::OK();
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::path(path_).parent_path();
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create " + dir.string() + ": " + ec.message());
    chmod(dir.c_str(), 0700);
  }
  int fd = open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot write history " + path_ + ": " + std::strerror(errno));
  std::string line = EncodeHistoryEntry(entry) + "\n";
  // One write() per entry: with O_APPEND, concurrent sessions never
  // interleave inside a line.
  ssize_t n = write(fd, line.data(), line.size());
  int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    return Status::IOError("cannot write history " + path_ + ": " + std::strerror(err));
  }
  return Status::OK();
}

Status HistoryFile::Rewrite(const std::vector<std::string>& entries) {
  std::string tmp = path_ + ".tmp" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot write history " + tmp + ": " + std::strerror(errno));
  std::string text;
  for (const auto& e : entries) text += EncodeHistoryEntry(e) + "\n";
  ssize_t n = write(fd, text.data(), text.size());
  int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(text.size()) || rename(tmp.c_str(), path_.c_str()) != 0) {
    if (n == static_cast<ssize_t>(text.size())) err = errno;
    unlink(tmp.c_str());
    return Status::IOError("cannot write history " + path_ + ": " + std::strerror(err));
  }
  return Status::OK();
}

}  // namespace ddb::shell
