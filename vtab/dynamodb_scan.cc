// StartScan of the dynamodb module (dynamodb_table.h): the requests a plan
// (plan.h) makes with xFilter's argv, in named steps: the LIMIT cap, the
// FilterExpression (with codec columns' literals encrypted once their key
// is checked), the key values from argv, the request of each operation, and
// the page source that sends them (page_source.h), wrapped so that inside
// BEGIN the scan sees the transaction's own writes.
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/dynamodb/number.h"
#include "vtab/dynamodb_table.h"
#include "vtab/encrypted_items.h"
#include "vtab/values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::Item;
using dynamodb::ItemPage;

namespace {

// The key attributes of the table and of an index, without repeats.
std::vector<std::string> KeyAttributes(const dynamodb::KeySchema& table,
                                       const dynamodb::KeySchema& index) {
  std::vector<std::string> out;
  for (const auto* k : {&table.hash, table.range ? &*table.range : nullptr, &index.hash,
                        index.range ? &*index.range : nullptr}) {
    if (k && std::find(out.begin(), out.end(), k->name) == out.end()) out.push_back(k->name);
  }
  return out;
}

// The ProjectionExpression of the plan's project= attributes, as #pN
// placeholders added to *names; empty for every attribute.
std::string ProjectionExpression(const Plan& plan, dynamodb::NameMap* names) {
  if (plan.project_all) return "";
  std::string expr;
  for (const auto& a : plan.project) {
    std::string placeholder = "#p" + std::to_string(names->size());
    (*names)[placeholder] = a;
    if (!expr.empty()) expr += ", ";
    expr += placeholder;
  }
  return expr;
}

// True when `v` is a number once NUMERIC affinity has applied ('1e300' too).
bool NumericUnderAffinity(sqlite3_value* v) {
  int t = sqlite3_value_type(v);
  if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) return true;
  if (t != SQLITE_TEXT) return false;
  sqlite3_value* copy = sqlite3_value_dup(v);
  int nt = sqlite3_value_numeric_type(copy);
  sqlite3_value_free(copy);
  return nt == SQLITE_INTEGER || nt == SQLITE_FLOAT;
}

// Fills *filter from the plan's filter predicates; false when no row can match.
bool BuildFilter(const DdbTable& t, const Plan& plan, sqlite3_value** argv, FilterBuilder* filter) {
  for (const auto& f : plan.filter) {
    int col = t.ColumnOf(f.attribute);
    if (t.codecs && t.codecs->At(col)) continue;  // AddCodecFilters
    std::string type = col >= 0 ? t.columns[static_cast<size_t>(col)].type : "";
    if (!filter->Add(f, f.argv > 0 ? argv[f.argv - 1] : nullptr, type)) return false;
  }
  return true;
}

// Items a key check reads: a few values suffice (an authenticated cipher
// fails on the first; a wrong AES-ECB key passes PKCS7's padding check about
// once in 256 values, and must then also give UTF-8 in a TEXT column).
constexpr int kKeyCheckValues = 4;
// Items a key check of an attribute that is no key may read to find values.
constexpr int kKeyCheckItems = 100;

// Checks the key of codec column `col` before its first literal is encrypted
// to find rows (a GetItem, BatchGetItem or Query key, or a FilterExpression):
// with a wrong key that ciphertext matches nothing and the statement would
// answer no rows with no error. The key is checked against values the table
// stores (TableCodecs::CheckKey), once per session, table, column and key
// reference (CodecSession::KeyCheck), read by one Scan that projects the
// attribute and the item key:
//   - a key of the table: kKeyCheckValues items (every item has it);
//   - a key of an index: kKeyCheckValues items of that index (which holds
//     only items that have it);
//   - another attribute: the first kKeyCheckItems items, filtered by
//     attribute_exists.
// Never a Scan of a large table. When that read finds no value:
//   - it read the whole table or index: the column holds no value, so no
//     literal can match and the answer (no rows) is right; checked again by
//     the next statement, as values may have been written since;
//   - else (a sparse attribute of a larger table) *pushable is set false
//     and stays so for the session: the literal is not sent, SQLite compares
//     decoded values, and a wrong key fails on the first value read, as
//     selecting the column does. A key column is never left unverified.
Status CheckLiteralKey(DdbTable* t, int col, bool* pushable) {
  *pushable = true;
  CodecSession& session = t->ctx->codecs();
  std::string id = t->codecs->KeyCheckId(
      t->conn->dynamodb_endpoint().BaseUrl() + " " + t->conn->settings().region, col);
  switch (session.key_check(id)) {
    case CodecSession::KeyCheck::kVerified:
      return Status::OK();
    case CodecSession::KeyCheck::kUnverifiable:
      *pushable = false;
      return Status::OK();
    case CodecSession::KeyCheck::kUnknown:
      break;
  }
  const std::string& attribute = t->columns[static_cast<size_t>(col)].attribute;
  auto has_key = [&](const dynamodb::KeySchema& k) {
    return k.hash.name == attribute || (k.range && k.range->name == attribute);
  };
  dynamodb::ScanRequest req;
  req.table = t->table;
  req.limit = kKeyCheckValues;
  bool key = has_key(t->desc.key);
  for (const auto* list : {&t->desc.global_indexes, &t->desc.local_indexes}) {
    for (const auto& ix : *list) {
      if (key || !has_key(ix.key) || (!ix.status.empty() && ix.status != "ACTIVE")) continue;
      req.index = ix.name;
      key = true;
    }
  }
  std::vector<std::string> projected = t->codec_source.keys;
  if (std::find(projected.begin(), projected.end(), attribute) == projected.end()) {
    projected.push_back(attribute);
  }
  for (size_t i = 0; i < projected.size(); ++i) {
    std::string alias = "#k" + std::to_string(i);
    req.names[alias] = projected[i];
    req.projection += (i ? ", " : "") + alias;
  }
  if (!key) {
    req.limit = kKeyCheckItems;
    req.filter = "attribute_exists(#k" + std::to_string(projected.size() - 1) + ")";  // attribute
  }
  ItemPage page;
  Stats& stats = t->ctx->stats();
  stats.requests++;
  Status s = t->conn->dynamodb().Scan(req, &page);
  if (!s.ok()) return s.WithContext("table " + t->table + ", column " + attribute + ": key check");
  CountPage(stats, page, Plan::Op::kScan);
  size_t checked = 0;
  s = t->codecs->CheckKey(col, page.items, t->codec_source.keys, session.max_decoded_bytes(),
                          &checked);
  if (!s.ok()) return s;
  if (checked > 0) {
    session.set_key_check(id, CodecSession::KeyCheck::kVerified);
  } else if (!page.last_evaluated_key.empty()) {
    if (key) {
      return Status::InvalidArgument("table " + t->table + ", column " + attribute +
                                     ": no stored value was found to check the key " +
                                     t->codecs->At(col)->chain().KeyReferences() + " against");
    }
    session.set_key_check(id, CodecSession::KeyCheck::kUnverifiable);
    *pushable = false;
  }
  return Status::OK();
}

// Adds the plan's predicates on codec columns (equality or IN on a
// searchable codec) with their literals encoded as stored, once their key
// is checked (CheckLiteralKey; a predicate whose key cannot be checked is
// left to SQLite). *possible is false when no value can match.
Status AddCodecFilters(DdbTable* t, const Plan& plan, sqlite3_value** argv, FilterBuilder* filter,
                       bool* possible) {
  *possible = true;
  if (!t->codecs) return Status::OK();
  for (const auto& f : plan.filter) {
    int col = t->ColumnOf(f.attribute);
    if (!t->codecs->At(col) || f.op != FilterCondition::Op::kEq || f.argv <= 0) continue;
    bool pushable = true;
    Status checked = CheckLiteralKey(t, col, &pushable);
    if (!checked.ok()) return checked;
    if (!pushable) continue;  // SQLite compares the decoded values
    std::vector<AttributeValue> values;
    Status status;
    auto add = [&](sqlite3_value* v) {
      AttributeValue stored;
      bool matches = false;
      Status s = t->codecs->EncodeLiteral(col, v, &stored, &matches);
      if (!s.ok()) status = s;
      if (matches) values.push_back(std::move(stored));
    };
    sqlite3_value* arg = argv[f.argv - 1];
    sqlite3_value* x = nullptr;
    int rc = sqlite3_vtab_in_first(arg, &x);
    if (rc == SQLITE_OK) {  // an IN list
      for (; rc == SQLITE_OK && x; rc = sqlite3_vtab_in_next(arg, &x)) add(x);
    } else {
      add(arg);
    }
    if (!status.ok()) return status;
    if (values.empty()) {
      *possible = false;
      return Status::OK();
    }
    // DynamoDB's IN takes at most 100 values; SQLite filters longer lists.
    if (values.size() <= 100) filter->AddEqualsOneOf(f.attribute, std::move(values));
  }
  return Status::OK();
}

// The lookup `plan` makes with key values `keys`, as run over a full copy.
LookupSpec LookupFromCopy(const DdbTable& t, const Plan& plan, const KeyValues& keys) {
  LookupSpec spec;
  for (const auto& [k, values] : keys) {
    KeyMatch m;
    m.attribute = k->attribute;
    m.values = values;
    switch (k->op) {
      case KeyCondition::Op::kEq:
      case KeyCondition::Op::kIn:
        m.op = KeyMatch::Op::kEq;
        break;
      case KeyCondition::Op::kGt:
        m.op = KeyMatch::Op::kGt;
        break;
      case KeyCondition::Op::kGe:
        m.op = KeyMatch::Op::kGe;
        break;
      case KeyCondition::Op::kLt:
        m.op = KeyMatch::Op::kLt;
        break;
      case KeyCondition::Op::kLe:
        m.op = KeyMatch::Op::kLe;
        break;
      case KeyCondition::Op::kBeginsWith:
      case KeyCondition::Op::kGlob:
        m.op = KeyMatch::Op::kBeginsWith;
        break;
    }
    spec.key.push_back(std::move(m));
  }
  const dynamodb::IndexDescription* ix = t.desc.FindIndex(plan.index);
  const dynamodb::KeySchema& k = ix ? ix->key : t.desc.key;
  if (ix) {
    spec.required.push_back(k.hash.name);
    if (k.range) spec.required.push_back(k.range->name);
  }
  for (const auto& f : plan.filter) {
    if (f.op == FilterCondition::Op::kIsNull || f.op == FilterCondition::Op::kIsNotNull) {
      spec.null_tests.emplace_back(f.attribute, f.op == FilterCondition::Op::kIsNull);
    }
  }
  if (plan.order != Plan::Order::kNone && k.range) {
    spec.order_attribute = k.range->name;
    spec.descending = plan.order == Plan::Order::kDesc;
  }
  return spec;
}

// Inside BEGIN, when the transaction writes the table: `*source` wrapped
// in a PendingSource, so that the scan sees the transaction's own writes;
// `keys` are the plan's key values, as sent.
Status WithPendingWrites(DdbTable* t, const Plan& plan, const KeyValues& keys,
                         std::unique_ptr<PageSource>* source) {
  std::shared_ptr<const TableView> view = t->ctx->writes().View(&t->conn->dynamodb(), t->table);
  if (!view) return Status::OK();
  LookupSpec spec = LookupFromCopy(*t, plan, keys);
  std::vector<PendingSource::Row> pending;
  for (const auto& text : view->items) {
    bool match = false;
    Status s = MatchesLookup(text, spec, &match);
    if (!s.ok()) return s;
    if (!match) continue;
    PendingSource::Row row;
    row.text = text;
    if (!spec.order_attribute.empty()) {
      dynamodb::CheckedItemAttributes attrs;
      attrs.Reset(row.text);
      std::string_view wire;
      bool found = false;
      s = attrs.Find(spec.order_attribute, &wire, &found);
      if (s.ok() && found) s = dynamodb::FromWireJsonText(wire, &row.order);
      if (!s.ok()) return s;
    }
    pending.push_back(std::move(row));
  }
  if (!spec.order_attribute.empty()) {
    std::stable_sort(pending.begin(), pending.end(), [&spec](const auto& a, const auto& b) {
      int c = CompareKeyValues(a.order, b.order);
      return spec.descending ? c > 0 : c < 0;
    });
  }
  std::vector<std::string> key_names = {t->desc.key.hash.name};
  if (t->desc.key.range) key_names.push_back(t->desc.key.range->name);
  *source =
      std::make_unique<PendingSource>(std::move(*source), std::move(view), std::move(key_names),
                                      std::move(pending), spec.order_attribute, spec.descending);
  return Status::OK();
}

// The filter= predicates and the codec columns' literals as one
// FilterExpression; `*matches_nothing` when no row can match.
Status FiltersOf(DdbTable* t, const Plan& plan, sqlite3_value** argv, FilterBuilder* filter,
                 bool* matches_nothing) {
  if (!BuildFilter(*t, plan, argv, filter)) {
    *matches_nothing = true;
    return Status::OK();
  }
  bool possible = true;
  Status s = AddCodecFilters(t, plan, argv, filter, &possible);
  if (!s.ok()) return s;
  if (!possible) *matches_nothing = true;
  return Status::OK();
}

// Asks before a full Scan of a large table (ModuleContext::confirm_scan);
// an error when the user declines.
Status ConfirmFullScan(DdbTable* t, const dynamodb::ScanRequest& req, sqlite3_int64 cap) {
  bool small = cap > 0 && cap <= 1000;
  ModuleContext* ctx = t->ctx;
  int64_t threshold = ctx->options().confirm_scan_items;
  if (ctx->confirm_scan && threshold > 0 && !small && req.index.empty() &&
      t->desc.item_count > threshold) {
    ScanEstimate e;
    e.table = t->table;
    e.items = t->desc.item_count;
    e.bytes = t->desc.size_bytes;
    e.read_units = static_cast<double>(e.bytes) / 4096.0 * (t->consistent ? 1.0 : 0.5);
    if (!ctx->confirm_scan(e)) {
      return Status::InvalidArgument("full scan of " + t->table +
                                     " declined (.scanconfirm sets when to ask)");
    }
  }
  return Status::OK();
}

// GetItem (one key) or BatchGetItem of `keys`, read at once into `*page`.
Status ReadItems(DdbTable* t, const Plan& plan, std::vector<Item> keys, bool batch,
                 ItemPage* page) {
  Stats& stats = t->ctx->stats();
  dynamodb::DynamoDbClient& client = t->conn->dynamodb();
  if (!batch) {
    dynamodb::GetItemRequest req;
    req.table = t->table;
    req.key = std::move(keys[0]);
    req.consistent_read = t->consistent;
    req.projection = ProjectionExpression(plan, &req.names);
    dynamodb::GetItemResult res;
    stats.get_item++;
    stats.requests++;
    Status s = client.GetItem(req, &res);
    if (!s.ok()) return s;
    if (res.found) page->items.push_back(std::move(res.item));
    page->scanned_count = page->count = static_cast<int64_t>(page->items.size());
    page->consumed_capacity = res.consumed_capacity;
    return Status::OK();
  }
  dynamodb::BatchGetRequest req;
  req.table = t->table;
  req.keys = std::move(keys);
  req.consistent_read = t->consistent;
  req.projection = ProjectionExpression(plan, &req.names);
  dynamodb::BatchGetResult res;
  stats.batch_get_item += (req.keys.size() + 99) / 100;
  stats.requests += (req.keys.size() + 99) / 100;
  Status s = client.BatchGetItem(req, &res);
  if (!s.ok()) return s;
  page->items = std::move(res.items);
  page->scanned_count = page->count = static_cast<int64_t>(page->items.size());
  page->consumed_capacity = res.consumed_capacity;
  return Status::OK();
}

}  // namespace

sqlite3_int64 ScanCap(const Plan& plan, sqlite3_value** argv) {
  if (plan.limit_argv <= 0) return -1;
  sqlite3_int64 limit = sqlite3_value_int64(argv[plan.limit_argv - 1]);
  sqlite3_int64 offset = plan.offset_argv > 0 ? sqlite3_value_int64(argv[plan.offset_argv - 1]) : 0;
  offset = std::max<sqlite3_int64>(offset, 0);
  if (limit < 0) return -1;
  return limit > INT64_MAX - offset ? -1 : limit + offset;  // no cap when it would overflow
}

Status KeyValuesOf(DdbTable* t, const Plan& plan, sqlite3_value** argv, KeyValues* keys,
                   bool* matches_nothing) {
  keys->clear();
  *matches_nothing = false;
  for (const auto& k : plan.key) {
    std::string type = t->KeyType(k.attribute);
    std::vector<AttributeValue> values;
    bool is_range = k.op != KeyCondition::Op::kEq && k.op != KeyCondition::Op::kIn;
    if (k.op == KeyCondition::Op::kBeginsWith || k.op == KeyCondition::Op::kGlob) {
      // The literal prefix of a GLOB pattern (all of a begins_with argument);
      // without one there is no condition to send.
      sqlite3_value* v = argv[k.argv - 1];
      if (sqlite3_value_type(v) == SQLITE_NULL) {
        *matches_nothing = true;
        return Status::OK();
      }
      std::string p = reinterpret_cast<const char*>(sqlite3_value_text(v));
      if (k.op == KeyCondition::Op::kGlob) p = p.substr(0, p.find_first_of("*?["));
      if (!p.empty()) keys->emplace_back(&k, std::vector<AttributeValue>{AttributeValue::S(p)});
      continue;
    }
    int codec_col = t->codecs ? t->ColumnOf(k.attribute) : -1;
    if (t->codecs && t->codecs->At(codec_col)) {
      bool pushable = true;  // a key column's check always settles
      Status checked = CheckLiteralKey(t, codec_col, &pushable);
      if (!checked.ok()) return checked;
    }
    Status encode_status;
    bool none = false;
    ForEachArgValue(k, argv, [&](sqlite3_value* v) {
      KeyValue kv;
      if (t->codecs && t->codecs->At(codec_col)) {
        // An encrypted key: looked up by its ciphertext.
        Status es = t->codecs->EncodeLiteral(codec_col, v, &kv.value, &kv.exact);
        if (!es.ok()) encode_status = es;
      } else {
        kv = SqlToKey(v, type);
      }
      if (kv.exact && is_range && type == "N") {
        // SQLite compares a number key held as TEXT (too long for a double)
        // as the nearest double: widen the bound by one double so those
        // keys come too, and let SQLite re-check (N ranges are not omitted).
        double d = std::strtod(kv.value.scalar().c_str(), nullptr);
        bool upper = k.op == KeyCondition::Op::kLt || k.op == KeyCondition::Op::kLe;
        std::string widened = ShortestDouble(std::nextafter(d, upper ? HUGE_VAL : -HUGE_VAL));
        if (dynamodb::ValidateNumber(widened).ok()) kv.value = AttributeValue::N(widened);
      }
      if (kv.exact && (type == "S" || type == "B") && kv.value.scalar().empty()) {
        // Key values are never empty (DynamoDB refuses one in a request):
        // = '' matches no key, > '' and >= '' every key, < '' and <= '' none.
        bool upper = k.op == KeyCondition::Op::kLt || k.op == KeyCondition::Op::kLe;
        if (is_range && upper) none = true;
      } else if (kv.exact) {
        values.push_back(std::move(kv.value));
      } else if (is_range && type == "N" && sqlite3_value_type(v) == SQLITE_FLOAT &&
                 std::isinf(sqlite3_value_double(v))) {
        // An infinite bound keeps every number or none.
        bool upper = k.op == KeyCondition::Op::kLt || k.op == KeyCondition::Op::kLe;
        if (upper != (sqlite3_value_double(v) > 0)) none = true;
      } else if (is_range && type == "N" && NumericUnderAffinity(v)) {
        // A number DynamoDB cannot hold (1e300, 1e-200): no condition is
        // sent and SQLite, which re-checks number ranges, decides.
      } else if (is_range) {
        // A bound of another storage class: SQLite orders NULL < numbers <
        // TEXT < BLOB, so the bound either keeps every key or none.
        int storage = sqlite3_value_type(v);
        bool upper = k.op == KeyCondition::Op::kLt || k.op == KeyCondition::Op::kLe;
        bool key_sorts_below = type == "N"   ? (storage == SQLITE_TEXT || storage == SQLITE_BLOB)
                               : type == "S" ? storage == SQLITE_BLOB
                                             : false;
        if (storage == SQLITE_NULL || upper != key_sorts_below) none = true;
      }
    });
    if (!encode_status.ok()) return encode_status;
    if (none || (values.empty() && !is_range)) {
      *matches_nothing = true;
      return Status::OK();
    }
    if (!values.empty()) keys->emplace_back(&k, std::move(values));
  }
  return Status::OK();
}

dynamodb::ScanRequest ScanRequestOf(const DdbTable& t, const Plan& plan, FilterBuilder& filter,
                                    sqlite3_int64 cap, int* segments) {
  dynamodb::ScanRequest req;
  filter.ApplyTo(&req);
  req.table = t.table;
  req.index = plan.index;
  req.consistent_read = t.consistent;
  req.projection = ProjectionExpression(plan, &req.names);
  *segments = std::min<int>(t.segments, kMaxSegments);
  if (*segments <= 0) {
    // About one segment per 2,000 items, up to 8: small tables need one request.
    *segments = static_cast<int>(std::clamp<int64_t>(t.desc.item_count / 2000, 1, 8));
  }
  if (cap > 0 && cap <= 1000) {
    *segments = 1;
    // DynamoDB's Limit counts items read, before the filter.
    if (req.filter.empty()) req.limit = static_cast<int>(cap);
  }
  return req;
}

std::vector<Item> LookupKeys(const KeyValues& keys) {
  std::vector<Item> wanted;
  const auto& hashes = keys[0].second;
  std::vector<AttributeValue> no_range(1);
  const auto& ranges = keys.size() > 1 ? keys[1].second : no_range;
  for (const auto& h : hashes) {
    for (const auto& r : ranges) {
      Item key;
      key[keys[0].first->attribute] = h;
      if (keys.size() > 1) key[keys[1].first->attribute] = r;
      wanted.push_back(std::move(key));
    }
  }
  return wanted;
}

Status QueryRequestsOf(const DdbTable& t, const Plan& plan, const KeyValues& keys,
                       FilterBuilder& filter, sqlite3_int64 cap,
                       std::vector<dynamodb::QueryRequest>* requests, bool* matches_nothing) {
  requests->clear();
  *matches_nothing = false;
  dynamodb::QueryRequest base;
  base.table = t.table;
  base.index = plan.index;
  // Global secondary indexes cannot be read consistently; local ones can.
  bool global_index = false;
  for (const auto& g : t.desc.global_indexes) global_index |= g.name == plan.index;
  base.consistent_read = t.consistent && !global_index;
  base.scan_forward = plan.order != Plan::Order::kDesc;
  // With fetch=, the index is asked for the keys; the items come after.
  Plan keys_only;
  if (plan.fetch) {
    const dynamodb::IndexDescription* index = t.desc.FindIndex(plan.index);
    if (!index) return Status::Corruption("fetch= in a plan without an index: " + plan.ToString());
    keys_only.project_all = false;
    keys_only.project = KeyAttributes(t.desc.key, index->key);
  }
  base.projection = ProjectionExpression(plan.fetch ? keys_only : plan, &base.names);
  filter.ApplyTo(&base);
  if (cap > 0 && cap <= 1000 && base.filter.empty()) base.limit = static_cast<int>(cap);
  // One sort key condition: =, a comparison, BETWEEN (two bounds; an
  // exclusive one is re-checked by SQLite) or begins_with.
  std::string cond;
  const AttributeValue* lower = nullptr;
  const AttributeValue* upper = nullptr;
  const char* lower_op = ">=";
  const char* upper_op = "<=";
  for (size_t i = 1; i < keys.size(); ++i) {
    const KeyCondition& k = *keys[i].first;
    const AttributeValue& v = keys[i].second[0];
    base.names["#k1"] = k.attribute;
    switch (k.op) {
      case KeyCondition::Op::kEq:
      case KeyCondition::Op::kIn:
        base.values[":k1"] = v;
        cond = " AND #k1 = :k1";
        break;
      case KeyCondition::Op::kGt:
      case KeyCondition::Op::kGe:
        lower = &v;
        lower_op = k.op == KeyCondition::Op::kGt ? ">" : ">=";
        break;
      case KeyCondition::Op::kLt:
      case KeyCondition::Op::kLe:
        upper = &v;
        upper_op = k.op == KeyCondition::Op::kLt ? "<" : "<=";
        break;
      case KeyCondition::Op::kBeginsWith:
      case KeyCondition::Op::kGlob:
        base.values[":k1"] = v;
        cond = " AND begins_with(#k1, :k1)";
        break;
    }
  }
  if (lower && upper) {
    int order = lower->type() == AttributeValue::Type::kN
                    ? dynamodb::CompareNumbers(lower->scalar(), upper->scalar())
                    : lower->scalar().compare(upper->scalar());
    bool both_inclusive = std::string_view(lower_op) == ">=" && std::string_view(upper_op) == "<=";
    if (order > 0 || (order == 0 && !both_inclusive)) {
      *matches_nothing = true;
      return Status::OK();
    }
    base.values[":k1"] = *lower;
    base.values[":k2"] = *upper;
    cond = " AND #k1 BETWEEN :k1 AND :k2";
  } else if (lower || upper) {
    base.values[":k1"] = lower ? *lower : *upper;
    cond = std::string(" AND #k1 ") + (lower ? lower_op : upper_op) + " :k1";
  }
  base.names["#k0"] = keys[0].first->attribute;
  for (const auto& h : keys[0].second) {
    dynamodb::QueryRequest req = base;
    req.key_condition = "#k0 = :k0" + cond;
    req.values[":k0"] = h;
    requests->push_back(std::move(req));
  }
  return Status::OK();
}

dynamodb::BatchGetRequest FetchRequestOf(const DdbTable& t, const Plan& plan,
                                         const dynamodb::IndexDescription& index) {
  // The fetch reads what the statement uses, and the index keys that tell
  // whether the item still matches its index entry (index_fetch.h).
  dynamodb::BatchGetRequest fetch;
  fetch.table = t.table;
  fetch.consistent_read = t.consistent;
  Plan fetched = plan;
  if (!plan.project_all) {
    for (const auto& a : KeyAttributes(t.desc.key, index.key)) {
      if (std::find(fetched.project.begin(), fetched.project.end(), a) == fetched.project.end()) {
        fetched.project.push_back(a);
      }
    }
  }
  fetch.projection = ProjectionExpression(fetched, &fetch.names);
  return fetch;
}

SourceKind SourceKindOf(const Plan& plan, bool matches_nothing, bool copy, size_t lookup_keys) {
  if (matches_nothing) return SourceKind::kEmpty;
  if (plan.op == Plan::Op::kScan) return SourceKind::kScan;
  if (copy) return SourceKind::kCopy;  // a full copy of the table answers the lookup
  if (plan.op == Plan::Op::kGetItem && lookup_keys == 1) return SourceKind::kGetItem;
  if (plan.op == Plan::Op::kGetItem || plan.op == Plan::Op::kBatchGetItem) {
    return SourceKind::kBatchGetItem;
  }
  return plan.fetch ? SourceKind::kQueryFetch : SourceKind::kQuery;
}

namespace {

// `source`'s items verified and decrypted when the table has item_encryption
// (encrypted_items.h): every source from DynamoDB (with the transaction's
// writes over it) passes here, a copy's pages (already plain) do not.
std::unique_ptr<PageSource> Decrypted(DdbTable* t, std::unique_ptr<PageSource> source) {
  if (!t->encryptor) return source;
  return std::make_unique<DecryptingSource>(std::move(source), t->encryptor, t->ctx);
}

// A table with item_encryption outside a transaction: its Scan and Query
// pages verified and decrypted on the thread that fetched them, decoded
// straight into items (encrypted_items.h); else null.
PageTransform DecryptedOnArrival(DdbTable* t) {
  if (!t->encryptor || t->ctx->writes().View(&t->conn->dynamodb(), t->table)) return nullptr;
  return DecryptOnArrival(t->encryptor, t->ctx);
}

// `raw` with the transaction's own writes laid over it (WithPendingWrites),
// then decrypted: a table with item_encryption stages its items encrypted,
// as COMMIT sends them. `decrypted`: raw's pages are already plain
// (DecryptedOnArrival).
Status PendingThenDecrypted(DdbTable* t, const Plan& plan, const KeyValues& keys,
                            std::unique_ptr<PageSource> raw, std::unique_ptr<PageSource>* out,
                            bool decrypted = false) {
  *out = std::move(raw);
  Status s = WithPendingWrites(t, plan, keys, out);
  if (!s.ok()) return s;
  if (!decrypted) *out = Decrypted(t, std::move(*out));
  return Status::OK();
}

}  // namespace

Status StartScan(DdbTable* t, const Plan& plan, sqlite3_value** argv,
                 std::unique_ptr<PageSource>* out, sqlite3_int64* cap,
                 const ScanCache::EntryPtr& copy) {
  RequestGate gate = RequestGate::Open(&t->ctx->rate_limiter(), &t->conn->http());
  dynamodb::DynamoDbClient& client = t->conn->dynamodb();
  *cap = ScanCap(plan, argv);
  bool matches_nothing = *cap == 0;
  FilterBuilder filter;
  Status s;
  if (!matches_nothing) s = FiltersOf(t, plan, argv, &filter, &matches_nothing);
  if (!s.ok()) return s;
  KeyValues keys;
  if (!matches_nothing && plan.op != Plan::Op::kScan) {
    s = KeyValuesOf(t, plan, argv, &keys, &matches_nothing);
    if (!s.ok()) return s;
  }
  std::vector<Item> lookup;
  if (!matches_nothing && !copy &&
      (plan.op == Plan::Op::kGetItem || plan.op == Plan::Op::kBatchGetItem)) {
    lookup = LookupKeys(keys);
  }
  std::vector<dynamodb::QueryRequest> queries;
  if (!matches_nothing && !copy && plan.op == Plan::Op::kQuery) {
    s = QueryRequestsOf(*t, plan, keys, filter, *cap, &queries, &matches_nothing);
    if (!s.ok()) return s;
  }

  SourceKind kind = SourceKindOf(plan, matches_nothing, copy != nullptr, lookup.size());
  switch (kind) {
    case SourceKind::kEmpty:
      *out = std::make_unique<FixedSource>(ItemPage());
      return Status::OK();
    case SourceKind::kScan: {
      int segments = 1;
      dynamodb::ScanRequest req = ScanRequestOf(*t, plan, filter, *cap, &segments);
      s = ConfirmFullScan(t, req, *cap);
      if (!s.ok()) return s;
      PageTransform arrival = DecryptedOnArrival(t);
      bool decrypted = arrival != nullptr;
      return PendingThenDecrypted(
          t, plan, {},
          std::make_unique<ScanSource>(&client, gate, req, segments, std::move(arrival)), out,
          decrypted);
    }
    case SourceKind::kCopy: {
      LookupSpec spec = LookupFromCopy(*t, plan, keys);
      ItemPage page;
      s = t->ctx->scan_cache().Lookup(copy, spec, &page);
      if (!s.ok()) return s;
      *out = std::make_unique<FixedSource>(std::move(page));
      return Status::OK();
    }
    case SourceKind::kGetItem:
    case SourceKind::kBatchGetItem: {
      ItemPage page;
      s = ReadItems(t, plan, std::move(lookup), kind == SourceKind::kBatchGetItem, &page);
      if (!s.ok()) return s;
      return PendingThenDecrypted(t, plan, keys, std::make_unique<FixedSource>(std::move(page)),
                                  out);
    }
    case SourceKind::kQuery: {
      PageTransform arrival = DecryptedOnArrival(t);
      bool decrypted = arrival != nullptr;
      return PendingThenDecrypted(t, plan, keys,
                                  QueryPages(&client, gate, std::move(queries), std::move(arrival)),
                                  out, decrypted);
    }
    case SourceKind::kQueryFetch: {
      const dynamodb::IndexDescription* index = t->desc.FindIndex(plan.index);
      // Inside BEGIN the transaction's deletes may drop fetched items: the
      // fetch then cannot stop at the LIMIT (the cursor still does).
      bool overlaid = t->ctx->writes().View(&client, t->table) != nullptr;
      return PendingThenDecrypted(t, plan, keys,
                                  std::make_unique<FetchSource>(
                                      &client, gate, QueryPages(&client, gate, std::move(queries)),
                                      FetchRequestOf(*t, plan, *index), t->desc.key, index->key,
                                      &t->ctx->stats(), overlaid ? -1 : *cap),
                                  out);
    }
  }
  return Status::OK();
}

}  // namespace ddb::vtab
