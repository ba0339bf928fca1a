// History: the REPL's persistent history file, shared by every session of a
// user, and the filter that keeps key material out of it.
//
// The file ($XDG_STATE_HOME/ddbsql/history, default
// ~/.local/state/ddbsql/history, mode 0600) holds one entry per line; a
// multi-line statement is one entry, its newlines escaped as "\n" (and
// backslashes as "\\"), so it comes back whole. Each session appends its
// entries as they are entered, so concurrent sessions add to one file rather
// than overwrite each other at exit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace ddb::shell {

// True when `entry` may carry key material and must never be recorded:
//  - it mentions secret, password, passwd, passphrase, token or credential
//    (any case, also inside longer words: "aws_secret_access_key", "tokens");
//  - it holds an AWS access key id: AKIA or ASIA and 16 more upper-case
//    letters or digits;
//  - a word ending in "key" is followed (after an optional quote, '=' or
//    ':', spaces) by a random-looking value: 32+ hex digits, or 16+
//    base64/base64url characters that mix upper case, lower case and
//    digits or end in '=' padding (`--key=...`, `"key": "..."`,
//    `.parameter set :key '...'`);
//  - it holds a run of 40+ base64 characters mixing upper case, lower case
//    and digits (the shape of a secret access key or a session token).
bool CarriesSecret(std::string_view entry);

// One history entry as one line of the file (no trailing newline) and back.
std::string EncodeHistoryEntry(std::string_view entry);
std::string DecodeHistoryEntry(std::string_view line);

// The history file's path: $XDG_STATE_HOME/ddbsql/history when that is set
// and absolute (as the XDG spec requires), else HOME/.local/state/ddbsql/history.
// Empty when neither gives a usable directory.
std::string HistoryPath(const char* xdg_state_home, const char* home);

class HistoryFile {
 public:
  static constexpr size_t kDefaultMaxEntries = 2000;

  explicit HistoryFile(std::string path, size_t max_entries = kDefaultMaxEntries);

  const std::string& path() const { return path_; }

  // Reads the entries, oldest first; a missing file is no error. Entries
  // that carry secrets (recorded by hand or by an older version) are
  // dropped, and so are the oldest beyond max_entries; when that changed
  // anything the file is rewritten (atomically, mode 0600). A file readable
  // by others is made 0600.
  Status Load(std::vector<std::string>* entries);

  // Appends one entry at once (O_APPEND: sessions interleave, nothing is
  // lost), creating the directory (0700) and the file (0600) if needed.
  // Entries that carry secrets are silently not written.
  Status Append(std::string_view entry);

 private:
  Status Rewrite(const std::vector<std::string>& entries);

  std::string path_;
  size_t max_entries_;
};

}  // namespace ddb::shell
