#include "engine/item_encryption/declaration.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <initializer_list>

namespace ddb::item_encryption {
namespace {

using json = nlohmann::json;

// Errors carry the path below item_encryption in their context.
Status At(std::string_view path, std::string msg) {
  return Status::InvalidArgument(std::move(msg)).WithContext(path);
}

std::string Join(std::initializer_list<const char*> names) {
  std::string out;
  for (const char* n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

Status OnlyMembers(const json& obj, std::string_view path,
                   std::initializer_list<const char*> allowed) {
  for (const auto& [k, v] : obj.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) {
      return At(path, "unknown field \"" + k + "\" (expected " + Join(allowed) + ")");
    }
  }
  return Status::OK();
}

Status StringMember(const json& obj, std::string_view path, const char* name, bool required,
                    std::string* out) {
  auto it = obj.find(name);
  std::string where = std::string(path) + "." + name;
  if (it == obj.end())
    return required ? At(path, std::string("missing \"") + name + "\"") : Status::OK();
  if (!it->is_string() || it->get<std::string>().empty()) {
    return At(where, "must be a non-empty string");
  }
  *out = it->get<std::string>();
  return Status::OK();
}

Status KeyMember(const json& obj, std::string_view path, const char* name, bool required,
                 std::optional<KeyParam>* out) {
  auto it = obj.find(name);
  if (it == obj.end())
    return required ? At(path, std::string("missing \"") + name + "\"") : Status::OK();
  KeyParam p;
  Status s = ParseKeyParam(*it, &p);
  if (!s.ok()) return s.WithContext(std::string(path) + "." + name);
  *out = std::move(p);
  return Status::OK();
}

Status ParseAction(const json& v, std::string_view path, Action* out) {
  if (v.is_string()) {
    const std::string a = v.get<std::string>();
    if (a == "encrypt") {
      *out = Action::kEncrypt;
      return Status::OK();
    }
    if (a == "sign") {
      *out = Action::kSign;
      return Status::OK();
    }
    if (a == "nothing") {
      *out = Action::kNothing;
      return Status::OK();
    }
    return At(path, "unknown action \"" + a + "\" (encrypt, sign or nothing)");
  }
  return At(path, "must be \"encrypt\", \"sign\" or \"nothing\"");
}

Status ParseProvider(const json& v, const std::string& path, bool nested, ProviderDecl* out) {
  if (!v.is_object()) return At(path, "must be an object with \"provider\"");
  auto kind = v.find("provider");
  if (kind == v.end()) return At(path, "missing \"provider\"");
  if (!kind->is_string()) return At(path + ".provider", "must be a string");
  const std::string name = kind->get<std::string>();
  ProviderDecl d;
  Status s;
  if (name == "static") {
    d.kind = ProviderDecl::Kind::kStatic;
    s = OnlyMembers(v, path, {"provider", "encryption_key", "signing_key"});
    if (s.ok()) s = KeyMember(v, path, "encryption_key", true, &d.encryption_key);
    if (s.ok()) s = KeyMember(v, path, "signing_key", true, &d.signing_key);
  } else if (name == "wrapped") {
    d.kind = ProviderDecl::Kind::kWrapped;
    s = OnlyMembers(
        v, path, {"provider", "wrapping_key", "unwrapping_key", "signing_key", "verification_key"});
    if (s.ok()) s = KeyMember(v, path, "wrapping_key", false, &d.wrapping_key);
    if (s.ok()) s = KeyMember(v, path, "unwrapping_key", false, &d.unwrapping_key);
    if (s.ok()) s = KeyMember(v, path, "signing_key", false, &d.signing_key);
    if (s.ok()) s = KeyMember(v, path, "verification_key", false, &d.verification_key);
    if (s.ok() && !d.wrapping_key && !d.unwrapping_key) {
      s = At(path, "needs \"unwrapping_key\" (to read) or \"wrapping_key\" (to write)");
    }
    if (s.ok() && !d.signing_key && !d.verification_key) {
      s = At(path, "needs \"verification_key\" (to read) or \"signing_key\"");
    }
  } else if (name == "aws-kms") {
    d.kind = ProviderDecl::Kind::kAwsKms;
    s = OnlyMembers(v, path, {"provider", "key_id"});
    if (s.ok()) s = StringMember(v, path, "key_id", true, &d.key_id);
  } else if (name == "most-recent") {
    d.kind = ProviderDecl::Kind::kMostRecent;
    if (nested) return At(path + ".provider", "a most-recent provider cannot protect a MetaStore");
    s = OnlyMembers(v, path,
                    {"provider", "metastore_table", "material_name", "materials", "ttl_seconds"});
    if (s.ok()) s = StringMember(v, path, "metastore_table", true, &d.metastore_table);
    if (s.ok()) s = StringMember(v, path, "material_name", true, &d.material_name);
    if (s.ok() && d.material_name.find('#') != std::string::npos) {
      s = At(path + ".material_name", "must not contain '#' (the client's name#version)");
    }
    if (s.ok()) {
      auto ttl = v.find("ttl_seconds");
      if (ttl != v.end()) {
        if (!ttl->is_number() || !std::isfinite(ttl->get<double>()) || ttl->get<double>() <= 0) {
          s = At(path + ".ttl_seconds", "must be a positive number of seconds");
        } else {
          d.ttl_seconds = ttl->get<double>();
        }
      }
    }
    if (s.ok()) {
      auto inner = v.find("materials");
      if (inner == v.end()) {
        s = At(path, "missing \"materials\" (the provider protecting the MetaStore's entries)");
      } else {
        auto p = std::make_shared<ProviderDecl>();
        s = ParseProvider(*inner, path + ".materials", true, p.get());
        d.materials = std::move(p);
      }
    }
  } else {
    return At(path + ".provider",
              "unknown provider \"" + name + "\" (static, wrapped, aws-kms or most-recent)");
  }
  if (!s.ok()) return s;
  *out = std::move(d);
  return Status::OK();
}

Status ParseActions(const json& v, Actions* out) {
  const std::string path = "item_encryption.actions";
  if (!v.is_object()) return At(path, "must be an object with \"default\" and \"attributes\"");
  Status s = OnlyMembers(v, path, {"default", "attributes"});
  if (!s.ok()) return s;
  Actions a;
  auto d = v.find("default");
  if (d != v.end()) {
    s = ParseAction(*d, path + ".default", &a.default_action);
    if (!s.ok()) return s;
  }
  auto attrs = v.find("attributes");
  if (attrs != v.end()) {
    if (!attrs->is_object())
      return At(path + ".attributes", "must be an object of attribute names");
    for (const auto& [name, action] : attrs->items()) {
      std::string where = path + ".attributes." + name;
      if (name.empty()) return At(path + ".attributes", "an attribute name is empty");
      if (name == kSignatureAttribute || name == kMaterialDescriptionAttribute) {
        return At(where, "reserved for the client's own use");
      }
      Action act = Action::kEncrypt;
      s = ParseAction(action, where, &act);
      if (!s.ok()) return s;
      a.attributes[name] = act;
    }
  }
  *out = std::move(a);
  return Status::OK();
}

}  // namespace

Status ParseItemEncryption(const json& value, std::string_view origin, std::string_view table,
                           ItemEncryptionDecl* out) {
  auto fail = [&](const Status& s) {
    std::string where = std::string(origin) + ": table " + std::string(table) + ", " +
                        (s.context().empty() ? std::string("item_encryption") : s.context());
    return Status::InvalidArgument(where + ": " + s.message());
  };
  if (!value.is_object()) {
    return fail(At("item_encryption", "must be an object with \"scheme\" and \"materials\""));
  }
  auto scheme = value.find("scheme");
  if (scheme != value.end() && *scheme == dbe::kSchemeDatabaseEncryptionSdk) {
    auto sdk = std::make_shared<dbe::DbeDecl>();
    Status s = dbe::ParseDbeDecl(value, sdk.get());
    if (!s.ok()) return fail(s);
    ItemEncryptionDecl d;
    d.scheme = dbe::kSchemeDatabaseEncryptionSdk;
    d.dbe = std::move(sdk);
    *out = std::move(d);
    return Status::OK();
  }
  Status s = OnlyMembers(value, "item_encryption", {"scheme", "materials", "actions"});
  if (!s.ok()) return fail(s);
  ItemEncryptionDecl d;
  s = StringMember(value, "item_encryption", "scheme", true, &d.scheme);
  if (!s.ok()) return fail(s);
  if (d.scheme != kSchemeDynamoDbEncryptionClient) {
    return fail(At("item_encryption.scheme", "unknown scheme \"" + d.scheme +
                                                 "\" (known: " + kSchemeDynamoDbEncryptionClient +
                                                 ", " + dbe::kSchemeDatabaseEncryptionSdk + ")"));
  }
  auto materials = value.find("materials");
  if (materials == value.end()) return fail(At("item_encryption", "missing \"materials\""));
  s = ParseProvider(*materials, "item_encryption.materials", false, &d.materials);
  if (!s.ok()) return fail(s);
  auto actions = value.find("actions");
  if (actions != value.end()) {
    s = ParseActions(*actions, &d.actions);
    if (!s.ok()) return fail(s);
  }
  *out = std::move(d);
  return Status::OK();
}

}  // namespace ddb::item_encryption
