#include "engine/dbe/declaration.h"

#include <nlohmann/json.hpp>

#include <utility>
#include <vector>

#include "engine/dbe/format.h"
#include "engine/dbe/keyring.h"

namespace ddb::dbe {
namespace {

using json = nlohmann::json;

constexpr char kRoot[] = "item_encryption";

// A JSON object being read: each accessor records the member it consumed,
// Leftovers names the first member nobody asked for.
class Fields {
 public:
  Fields(const json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string Sub(const char* name) const { return path_ + "." + name; }
  Status Error(const std::string& field, std::string msg) const {
    return Status::InvalidArgument(std::move(msg)).WithContext(field);
  }

  // A present member, or nullptr.
  const json* Find(const char* name) {
    known_.push_back(name);
    auto it = obj_.find(name);
    return it == obj_.end() ? nullptr : &*it;
  }
  // A non-empty string member; a missing one is an error when `required`.
  Status Text(const char* name, bool required, std::string* out) {
    const json* v = Find(name);
    if (v == nullptr) {
      return required ? Error(path_, std::string("missing \"") + name + "\"") : Status::OK();
    }
    if (!v->is_string() || v->get_ref<const std::string&>().empty()) {
      return Error(Sub(name), "must be a non-empty string");
    }
    *out = v->get<std::string>();
    return Status::OK();
  }
  Status Key(const char* name, std::optional<item_encryption::KeyParam>* out) {
    const json* v = Find(name);
    if (v == nullptr) return Error(path_, std::string("missing \"") + name + "\"");
    item_encryption::KeyParam p;
    Status s = item_encryption::ParseKeyParam(*v, &p);
    if (!s.ok()) return s.WithContext(Sub(name));
    *out = std::move(p);
    return Status::OK();
  }
  Status Leftovers() const {
    for (const auto& [k, v] : obj_.items()) {
      bool asked = false;
      for (const char* n : known_) asked = asked || k == n;
      if (asked) continue;
      std::string expected;
      for (const char* n : known_) expected += (expected.empty() ? "" : ", ") + std::string(n);
      return Error(path_, "unknown field \"" + k + "\" (expected " + expected + ")");
    }
    return Status::OK();
  }

 private:
  const json& obj_;
  std::string path_;
  std::vector<const char*> known_;
};

Status ParseHierarchical(Fields& f, KeyringDecl* d) {
  Status s = f.Text("branch_key_id", true, &d->branch_key_id);
  if (!s.ok()) return s;
  const json* fixed = f.Find("static_branch_key");
  const json* store = f.Find("key_store");
  if ((fixed == nullptr) == (store == nullptr)) {
    return f.Error(f.path(), "needs exactly one of \"static_branch_key\" and \"key_store\"");
  }
  if (fixed != nullptr) {
    if (!fixed->is_object()) {
      return f.Error(f.Sub("static_branch_key"), "must be an object with \"version\" and \"key\"");
    }
    Fields k(*fixed, f.Sub("static_branch_key"));
    s = k.Text("version", true, &d->static_version);
    std::string uuid;
    if (s.ok()) s = UuidFromString(d->static_version, &uuid).WithContext(k.Sub("version"));
    if (s.ok()) s = k.Key("key", &d->static_key);
    if (s.ok()) s = k.Leftovers();
    return s;
  }
  if (!store->is_object()) {
    return f.Error(f.Sub("key_store"), "must be an object with \"table\" and \"kms_key_arn\"");
  }
  Fields k(*store, f.Sub("key_store"));
  s = k.Text("table", true, &d->key_store_table);
  if (s.ok()) s = k.Text("kms_key_arn", true, &d->key_store_kms_key_arn);
  if (s.ok() && d->key_store_kms_key_arn.rfind("arn:", 0) != 0) {
    s = k.Error(k.Sub("kms_key_arn"), "must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)");
  }
  if (s.ok()) s = k.Leftovers();
  return s;
}

Status ParseKeyring(const json& v, KeyringDecl* out) {
  const std::string path = std::string(kRoot) + ".keyring";
  if (!v.is_object())
    return Status::InvalidArgument("must be an object with \"type\"").WithContext(path);
  Fields f(v, path);
  std::string type;
  Status s = f.Text("type", true, &type);
  if (!s.ok()) return s;
  KeyringDecl d;
  if (type == "hierarchical") {
    d.type = KeyringDecl::Type::kHierarchical;
    s = ParseHierarchical(f, &d);
  } else if (type == "raw-aes") {
    d.type = KeyringDecl::Type::kRawAes;
    s = f.Text("key_namespace", true, &d.key_namespace);
    if (s.ok()) s = f.Text("key_name", true, &d.key_name);
    if (s.ok()) s = f.Key("key", &d.key);
  } else if (type == "aws-kms") {
    d.type = KeyringDecl::Type::kAwsKms;
    s = f.Text("key_id", true, &d.key_id);
  } else {
    return f.Error(f.Sub("type"),
                   "unknown keyring type \"" + type + "\" (hierarchical, raw-aes or aws-kms)");
  }
  if (s.ok()) s = f.Leftovers();
  if (!s.ok()) return s;
  *out = std::move(d);
  return Status::OK();
}

bool Reserved(const std::string& name) { return name.rfind(kReservedPrefix, 0) == 0; }

}  // namespace

const char* CryptoActionName(CryptoAction a) {
  switch (a) {
    case CryptoAction::kEncryptAndSign:
      return "ENCRYPT_AND_SIGN";
    case CryptoAction::kSignOnly:
      return "SIGN_ONLY";
    case CryptoAction::kSignAndIncludeInContext:
      return "SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT";
    case CryptoAction::kDoNothing:
      return "DO_NOTHING";
  }
  return "?";
}

bool DbeDecl::Unsigned(const std::string& name) const {
  return Reserved(name) || allowed_unsigned.count(name) > 0 ||
         (allowed_unsigned_prefix && name.rfind(*allowed_unsigned_prefix, 0) == 0);
}

Status ParseDbeDecl(const json& value, DbeDecl* out) {
  Fields f(value, kRoot);
  std::string scheme;
  Status s = f.Text("scheme", true, &scheme);
  if (!s.ok()) return s;
  DbeDecl d;
  const json* keyring = f.Find("keyring");
  if (keyring == nullptr) return f.Error(kRoot, "missing \"keyring\"");
  s = ParseKeyring(*keyring, &d.keyring);
  if (!s.ok()) return s;

  if (const json* list = f.Find("allowed_unsigned_attributes")) {
    const std::string where = f.Sub("allowed_unsigned_attributes");
    if (!list->is_array()) return f.Error(where, "must be a list of attribute names");
    for (const json& name : *list) {
      if (!name.is_string() || name.get_ref<const std::string&>().empty()) {
        return f.Error(where, "must hold non-empty strings (attribute names)");
      }
      if (Reserved(name.get<std::string>())) {
        return f.Error(where, "\"" + name.get<std::string>() + "\": names starting with " +
                                  kReservedPrefix + " are the SDK's own");
      }
      d.allowed_unsigned.insert(name.get<std::string>());
    }
  }
  std::string prefix;
  s = f.Text("allowed_unsigned_attribute_prefix", false, &prefix);
  if (!s.ok()) return s;
  if (!prefix.empty()) d.allowed_unsigned_prefix = prefix;

  if (const json* actions = f.Find("actions")) {
    const std::string where = f.Sub("actions");
    if (!actions->is_object()) {
      return f.Error(where, "must be an object of attribute names and actions");
    }
    static const std::pair<const char*, CryptoAction> kNames[] = {
        {"ENCRYPT_AND_SIGN", CryptoAction::kEncryptAndSign},
        {"SIGN_ONLY", CryptoAction::kSignOnly},
        {"SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT", CryptoAction::kSignAndIncludeInContext},
        {"DO_NOTHING", CryptoAction::kDoNothing}};
    for (const auto& [name, action] : actions->items()) {
      const std::string field = where + "." + name;
      if (name.empty()) return f.Error(where, "an attribute name is empty");
      if (Reserved(name)) {
        return f.Error(
            field, std::string("names starting with ") + kReservedPrefix + " are the SDK's own");
      }
      const CryptoAction* found = nullptr;
      if (action.is_string()) {
        for (const auto& [n, a] : kNames) {
          if (action.get_ref<const std::string&>() == n) found = &a;
        }
      }
      if (found == nullptr) {
        return f.Error(field,
                       "must be ENCRYPT_AND_SIGN, SIGN_ONLY, "
                       "SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT or DO_NOTHING");
      }
      // The SDK's configuration rule: DO_NOTHING exactly for the unsigned.
      const bool is_unsigned = d.Unsigned(name);
      if (*found == CryptoAction::kDoNothing && !is_unsigned) {
        return f.Error(field,
                       "DO_NOTHING needs the attribute in allowed_unsigned_attributes "
                       "(or allowed_unsigned_attribute_prefix), as the SDK requires");
      }
      if (*found != CryptoAction::kDoNothing && is_unsigned) {
        return f.Error(field, std::string(CryptoActionName(*found)) +
                                  " for an attribute allowed unsigned (the SDK refuses it)");
      }
      d.actions[name] = *found;
    }
  }
  s = f.Leftovers();
  if (!s.ok()) return s;
  *out = std::move(d);
  return Status::OK();
}

}  // namespace ddb::dbe
