#include "vtab/sql_names.h"

#include <algorithm>
#include <map>
#include <set>

namespace ddb::vtab {

std::string FoldCase(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

namespace {

// "_" and the positions of the capitals of `name`, counted in UTF-8
// characters (a continuation byte starts none), or "_0".
std::string CaseSuffix(const std::string& name) {
  std::string suffix;
  size_t position = 0;
  for (char c : name) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;
    ++position;
    if (c >= 'A' && c <= 'Z') suffix += "_" + std::to_string(position);
  }
  return suffix.empty() ? "_0" : suffix;
}

}  // namespace

std::vector<std::string> DistinctSqlNames(const std::vector<std::string>& names,
                                          const std::vector<std::string>& reserved) {
  std::map<std::string, int> members;  // folded name -> how many share it
  for (const auto& n : names) ++members[FoldCase(n)];
  for (const auto& r : reserved) ++members[FoldCase(r)];

  std::vector<std::string> out(names.size());
  std::set<std::string> taken;  // folded SQL names given out
  for (const auto& r : reserved) taken.insert(FoldCase(r));
  std::vector<size_t> renamed;
  for (size_t i = 0; i < names.size(); ++i) {
    if (members[FoldCase(names[i])] == 1) {
      out[i] = names[i];
      taken.insert(FoldCase(names[i]));
    } else {
      renamed.push_back(i);
    }
  }
  // In byte order of the names, so that who gets a further "_" does not
  // depend on the order they came in.
  std::sort(renamed.begin(), renamed.end(),
            [&](size_t a, size_t b) { return names[a] < names[b]; });
  for (size_t i : renamed) {
    std::string name = names[i] + CaseSuffix(names[i]);
    while (taken.count(FoldCase(name))) name += "_";
    taken.insert(FoldCase(name));
    out[i] = std::move(name);
  }
  return out;
}

}  // namespace ddb::vtab
