#include "vtab/schema_cache.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/encoding.h"

namespace ddb::vtab {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr int kFormat = 1;

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string Hash(const std::string& s) { return HexEncode(Sha256(s)).substr(0, 32); }

json KeyToJson(const dynamodb::KeySchema& k) {
  json j = {{"hash", {k.hash.name, k.hash.type}}};
  if (k.range) j["range"] = {k.range->name, k.range->type};
  return j;
}

bool KeyFromJson(const json& j, dynamodb::KeySchema* k) {
  if (!j.contains("hash") || !j["hash"].is_array() || j["hash"].size() != 2) return false;
  k->hash = {j["hash"][0].get<std::string>(), j["hash"][1].get<std::string>()};
  if (j.contains("range")) {
    k->range =
        dynamodb::KeyAttribute{j["range"][0].get<std::string>(), j["range"][1].get<std::string>()};
  }
  return true;
}

json IndexesToJson(const std::vector<dynamodb::IndexDescription>& list) {
  json out = json::array();
  for (const auto& ix : list) {
    out.push_back({{"name", ix.name},
                   {"key", KeyToJson(ix.key)},
                   {"projection", ix.projection.type},
                   {"include", ix.projection.non_key_attributes},
                   {"status", ix.status},
                   {"items", ix.item_count},
                   {"bytes", ix.size_bytes}});
  }
  return out;
}

bool IndexesFromJson(const json& j, std::vector<dynamodb::IndexDescription>* list) {
  if (!j.is_array()) return false;
  for (const auto& x : j) {
    dynamodb::IndexDescription ix;
    ix.name = x.at("name").get<std::string>();
    if (!KeyFromJson(x.at("key"), &ix.key)) return false;
    ix.projection.type = x.at("projection").get<std::string>();
    ix.projection.non_key_attributes = x.at("include").get<std::vector<std::string>>();
    ix.status = x.at("status").get<std::string>();
    ix.item_count = x.at("items").get<int64_t>();
    ix.size_bytes = x.at("bytes").get<int64_t>();
    list->push_back(std::move(ix));
  }
  return true;
}

bool ReadJson(const std::string& path, json* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  *out = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  return out->is_object() && out->value("format", 0) == kFormat;
}

// Writes `j` to `path` whole: a temporary file, then a rename.
void WriteJson(const std::string& path, const json& j) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return;  // a cache that cannot be written is no cache: not an error
  std::string tmp = path + ".tmp" + std::to_string(static_cast<long long>(Now() * 1e6));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    out << j.dump();
    if (!out) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
}

}  // namespace

std::string SchemaCache::DefaultDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg == '/') return std::string(xdg) + "/ddbsql";
  const char* home = std::getenv("HOME");
  if (home && *home) return std::string(home) + "/.cache/ddbsql";
  return "";
}

std::string SchemaCache::Scope(const std::string& endpoint, const std::string& region,
                               const std::string& access_key_id) {
  return endpoint + "\n" + region + "\n" + access_key_id;
}

std::string SchemaCache::PathOf(const std::string& scope, const std::string& table) const {
  return dir_ + "/schema/" + Hash(scope) + "/" + (table.empty() ? "tables" : Hash(table)) + ".json";
}

bool SchemaCache::LoadTables(const std::string& scope, std::vector<std::string>* names) const {
  if (!enabled()) return false;
  try {
    return LoadTablesOrThrow(scope, names);
  } catch (const std::exception&) {
    return false;  // a damaged file: as if there were none
  }
}

bool SchemaCache::LoadTablesOrThrow(const std::string& scope,
                                    std::vector<std::string>* names) const {
  json j;
  if (!ReadJson(PathOf(scope, ""), &j)) return false;
  if (j.value("scope", "") != scope || Now() - j.value("saved_at", 0.0) > max_age_) return false;
  if (!j.contains("tables") || !j["tables"].is_array()) return false;
  *names = j["tables"].get<std::vector<std::string>>();
  return true;
}

void SchemaCache::SaveTables(const std::string& scope,
                             const std::vector<std::string>& names) const {
  if (!enabled()) return;
  WriteJson(PathOf(scope, ""),
            {{"format", kFormat}, {"scope", scope}, {"saved_at", Now()}, {"tables", names}});
}

bool SchemaCache::LoadTable(const std::string& scope, const std::string& table,
                            CachedSchema* out) const {
  if (!enabled()) return false;
  try {
    return LoadTableOrThrow(scope, table, out);
  } catch (const std::exception&) {
    return false;  // a damaged file: as if there were none
  }
}

bool SchemaCache::LoadTableOrThrow(const std::string& scope, const std::string& table,
                                   CachedSchema* out) const {
  json j;
  if (!ReadJson(PathOf(scope, table), &j)) return false;
  if (j.value("scope", "") != scope || j.value("table", "") != table) return false;
  CachedSchema c;
  const json& d = j["desc"];
  if (!d.is_object() || !KeyFromJson(d["key"], &c.desc.key)) return false;
  c.desc.name = table;
  c.desc.arn = d.value("arn", "");
  c.desc.status = d.value("status", "");
  c.desc.creation_time = d.value("created", 0.0);
  c.desc.item_count = d.value("items", int64_t{0});
  c.desc.size_bytes = d.value("bytes", int64_t{0});
  c.desc.billing_mode = d.value("billing", "");
  c.desc.read_capacity = d.value("rcu", int64_t{0});
  c.desc.write_capacity = d.value("wcu", int64_t{0});
  if (!IndexesFromJson(d["gsi"], &c.desc.global_indexes) ||
      !IndexesFromJson(d["lsi"], &c.desc.local_indexes)) {
    return false;
  }
  for (const auto& a : j["attributes"]) {
    c.attributes.emplace_back(a[0].get<std::string>(), a[1].get<std::string>());
  }
  const json& s = j["sample"];
  c.sample.sampled = s.value("sampled", 0);
  c.sample.complete = s.value("complete", false);
  c.sample.bytes = s.value("bytes", 0.0);
  c.sample.distinct = s.value("distinct", std::map<std::string, int>());
  c.sample.present = s.value("present", std::map<std::string, int>());
  c.saved_at = j.value("saved_at", 0.0);
  *out = std::move(c);
  return true;
}

void SchemaCache::SaveTable(const std::string& scope, const std::string& table,
                            const CachedSchema& c) const {
  if (!enabled()) return;
  json attributes = json::array();
  for (const auto& [name, type] : c.attributes) attributes.push_back({name, type});
  json desc = {{"arn", c.desc.arn},
               {"status", c.desc.status},
               {"created", c.desc.creation_time},
               {"key", KeyToJson(c.desc.key)},
               {"gsi", IndexesToJson(c.desc.global_indexes)},
               {"lsi", IndexesToJson(c.desc.local_indexes)},
               {"items", c.desc.item_count},
               {"bytes", c.desc.size_bytes},
               {"billing", c.desc.billing_mode},
               {"rcu", c.desc.read_capacity},
               {"wcu", c.desc.write_capacity}};
  json sample = {{"sampled", c.sample.sampled},
                 {"complete", c.sample.complete},
                 {"bytes", c.sample.bytes},
                 {"distinct", c.sample.distinct},
                 {"present", c.sample.present}};
  WriteJson(PathOf(scope, table), {{"format", kFormat},
                                   {"scope", scope},
                                   {"table", table},
                                   {"saved_at", c.saved_at > 0 ? c.saved_at : Now()},
                                   {"desc", desc},
                                   {"attributes", attributes},
                                   {"sample", sample}});
}

void SchemaCache::Forget(const std::string& scope, const std::string& table) const {
  if (!enabled()) return;
  std::error_code ec;
  if (table.empty()) {
    fs::remove_all(fs::path(PathOf(scope, "")).parent_path(), ec);
  } else {
    fs::remove(PathOf(scope, table), ec);
  }
}

}  // namespace ddb::vtab
