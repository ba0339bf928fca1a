// xBestIndex of the dynamodb module (dynamodb_table.h): the planner. Each
// access path that returns exactly the rows SQLite asks for (GetItem,
// BatchGetItem, a Query of the table or of an index, a Scan) is costed as
// cost.h says; the cheapest becomes the Plan written to idxStr (plan.h),
// with the FilterExpression predicates, the pushed LIMIT and OFFSET, and
// the projection from colUsed. Never touches the network.
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "vtab/dynamodb_table.h"

namespace ddb::vtab {

namespace {

// One usable constraint on a column, as SQLite offered it.
struct Offered {
  int index;  // in aConstraint
  int column;
  unsigned char op;
};

// A candidate access path: which constraints it consumes and what it costs.
struct Candidate {
  Plan plan;
  std::vector<std::pair<int, bool>> usage;  // (constraint index, omit), in argv order
  std::vector<int> in_all;                  // constraints to take as whole IN lists
  std::vector<int> omitted;                 // consumed exactly, without an argument
  double cost = 0;
  sqlite3_int64 rows = 0;
  bool unique = false;
};

KeyCondition::Op CondOpOf(unsigned char op) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_GT:
      return KeyCondition::Op::kGt;
    case SQLITE_INDEX_CONSTRAINT_GE:
      return KeyCondition::Op::kGe;
    case SQLITE_INDEX_CONSTRAINT_LT:
      return KeyCondition::Op::kLt;
    case SQLITE_INDEX_CONSTRAINT_LE:
      return KeyCondition::Op::kLe;
    default:
      return KeyCondition::Op::kEq;
  }
}

// Plans key access through `key` (the table's key schema when `index` is
// empty, else that index's); `fetch`: the index lacks attributes the
// statement needs, read afterwards with BatchGetItem (plan.h). Returns false
// when the hash key has no usable equality.
bool PlanKeyAccess(const DdbTable& t, sqlite3_index_info* info, const std::vector<Offered>& offered,
                   const std::string& index, const dynamodb::KeySchema& key, bool fetch,
                   Candidate* out) {
  int hash_col = t.ColumnOf(key.hash.name);
  int range_col = key.range ? t.ColumnOf(key.range->name) : -1;
  if (hash_col < 0) return false;
  const Offered* hash_eq = nullptr;
  const Offered* range_eq = nullptr;
  const Offered* lower = nullptr;
  const Offered* upper = nullptr;
  const Offered* prefix = nullptr;
  const Offered* range_not_null = nullptr;
  for (const auto& o : offered) {
    if (o.column == range_col && range_col >= 0 && o.op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL) {
      range_not_null = &o;
    }
    if (o.column == hash_col && o.op == SQLITE_INDEX_CONSTRAINT_EQ && !hash_eq) hash_eq = &o;
    if (range_col >= 0 && o.column == range_col) {
      if (o.op == SQLITE_INDEX_CONSTRAINT_EQ && !range_eq) range_eq = &o;
      if ((o.op == SQLITE_INDEX_CONSTRAINT_GT || o.op == SQLITE_INDEX_CONSTRAINT_GE) && !lower) {
        lower = &o;
      }
      if ((o.op == SQLITE_INDEX_CONSTRAINT_LT || o.op == SQLITE_INDEX_CONSTRAINT_LE) && !upper) {
        upper = &o;
      }
      // begins_with(sk, 'abc') and sk GLOB 'abc*' on a string sort key.
      // (LIKE is never used: it ignores case, begins_with does not.)
      if ((o.op == kBeginsWithConstraint || o.op == SQLITE_INDEX_CONSTRAINT_GLOB) &&
          key.range->type == "S" && !prefix) {
        prefix = &o;
      }
    }
  }
  if (!hash_eq) return false;
  // An index holds only the items that have its sort key: it can serve a
  // statement only when a condition on that key excludes the others (a
  // comparison, or `IS NOT NULL`, which the index then answers exactly).
  bool ranged = range_eq || lower || upper || prefix;
  if (!index.empty() && key.range && !ranged && !range_not_null) return false;

  Candidate c;
  if (!index.empty() && key.range && !ranged) c.omitted.push_back(range_not_null->index);
  c.plan.index = index;
  bool hash_in = sqlite3_vtab_in(info, hash_eq->index, -1) != 0;
  bool range_in = range_eq && sqlite3_vtab_in(info, range_eq->index, -1) != 0;
  int argv = 0;
  // Hash and sort key values compare the same in DynamoDB and SQLite for
  // equality, so those constraints are omitted (SQLite does not re-check).
  // Number ranges are re-checked: SQLite orders TEXT after numbers, and a
  // number too long for a double comes back as TEXT.
  auto add = [&](const Offered& o, KeyCondition::Op op, bool is_hash, bool omit) {
    KeyCondition kc;
    kc.attribute = is_hash ? key.hash.name : key.range->name;
    kc.op = op;
    kc.is_hash = is_hash;
    kc.argv = ++argv;
    c.plan.key.push_back(kc);
    c.usage.emplace_back(o.index, omit);
    if (op == KeyCondition::Op::kIn) c.in_all.push_back(o.index);
  };
  add(*hash_eq, hash_in ? KeyCondition::Op::kIn : KeyCondition::Op::kEq, true, true);
  bool range_omit = key.range && key.range->type != "N";
  if (index.empty() && (range_eq || !key.range)) {
    // The whole primary key: GetItem, or BatchGetItem for IN lists.
    if (range_eq)
      add(*range_eq, range_in ? KeyCondition::Op::kIn : KeyCondition::Op::kEq, false, true);
    bool batch = hash_in || range_in;
    c.plan.op = batch ? Plan::Op::kBatchGetItem : Plan::Op::kGetItem;
    c.cost = (batch ? BatchGetCost(t.stats, kAssumedInValues) : GetItemCost(t.stats)).Total();
    c.rows = batch ? static_cast<sqlite3_int64>(kAssumedInValues) : 1;
    c.unique = !batch;
    *out = std::move(c);
    return true;
  }
  c.plan.op = Plan::Op::kQuery;
  if (range_eq && !range_in) {
    add(*range_eq, KeyCondition::Op::kEq, false, true);
  } else {
    // Two bounds become BETWEEN, which includes both ends: an exclusive
    // bound is then re-checked by SQLite.
    bool two = lower && upper;
    if (lower) {
      add(*lower, CondOpOf(lower->op), false,
          range_omit && (!two || lower->op == SQLITE_INDEX_CONSTRAINT_GE));
    }
    if (upper) {
      add(*upper, CondOpOf(upper->op), false,
          range_omit && (!two || upper->op == SQLITE_INDEX_CONSTRAINT_LE));
    }
    // One sort key condition only: begins_with when there are no bounds.
    // SQLite re-checks it (a GLOB pattern may say more than its prefix).
    if (!lower && !upper && prefix) {
      add(*prefix,
          prefix->op == SQLITE_INDEX_CONSTRAINT_GLOB ? KeyCondition::Op::kGlob
                                                     : KeyCondition::Op::kBeginsWith,
          false, false);
    }
  }
  // Items read per partition: all of it, or the part the sort key keeps.
  double items = PartitionItems(t.stats, index);
  if (range_eq || prefix) {
    items *= kPrefixSelectivity;
  } else if (lower && upper) {
    items *= kRangeSelectivity * kRangeSelectivity * 3;
  } else if (lower || upper) {
    items *= kRangeSelectivity;
  }
  items = std::max(1.0, items);
  double partitions = hash_in ? kAssumedInValues : 1;
  c.plan.fetch = fetch;
  c.cost = (fetch ? IndexFetchCost(t.stats, index, partitions, items)
                  : QueryCost(t.stats, partitions, items, index))
               .Total();
  c.rows = static_cast<sqlite3_int64>(std::ceil(items * partitions));
  // ORDER BY the sort key: DynamoDB returns a partition in sort-key order.
  if (!hash_in && key.range && info->nOrderBy == 1 && info->aOrderBy[0].iColumn == range_col &&
      !(t.codecs && t.codecs->At(range_col))) {  // ciphertexts do not sort like values
    c.plan.order = info->aOrderBy[0].desc ? Plan::Order::kDesc : Plan::Order::kAsc;
  }
  *out = std::move(c);
  return true;
}

// Which attributes the statement needs (colUsed), or all.
void ChooseProjection(const DdbTable& t, sqlite3_index_info* info, Plan* plan) {
  sqlite3_uint64 used = info->colUsed;
  // An item_encryption table's items are read whole: the signature covers
  // every signed attribute (encrypted_items.h).
  bool all = t.encryptor != nullptr || t.item_column < 0 || t.item_column >= 63 ||
             (used & (1ULL << t.item_column)) != 0 ||
             (t.columns.size() > 63 && (used & (1ULL << 63)));
  plan->project_all = all;
  plan->project.clear();
  if (all) return;
  for (size_t i = 0; i < t.columns.size() && i < 63; ++i) {
    if ((used & (1ULL << i)) && !t.columns[i].attribute.empty()) {
      plan->project.push_back(t.columns[i].attribute);
    }
  }
  // Keys always come along: they identify the row and cost nothing extra.
  auto add = [&](const std::string& a) {
    if (std::find(plan->project.begin(), plan->project.end(), a) == plan->project.end()) {
      plan->project.push_back(a);
    }
  };
  add(t.desc.key.hash.name);
  if (t.desc.key.range) add(t.desc.key.range->name);
}

// True when entries of `index` hold `attribute`: ALL, a key of the table or
// the index, or an INCLUDE attribute.
bool IndexProjects(const DdbTable& t, const dynamodb::IndexDescription& index,
                   const std::string& a) {
  if (index.projection.type == "ALL") return true;
  bool key = a == t.desc.key.hash.name || (t.desc.key.range && a == t.desc.key.range->name) ||
             a == index.key.hash.name || (index.key.range && a == index.key.range->name);
  const auto& included = index.projection.non_key_attributes;
  return key || (index.projection.type == "INCLUDE" &&
                 std::find(included.begin(), included.end(), a) != included.end());
}

// True when `index` projects every attribute in `plan->project` (or ALL).
bool IndexCovers(const DdbTable& t, const dynamodb::IndexDescription& index, const Plan& plan) {
  if (index.projection.type == "ALL") return true;
  if (plan.project_all) return false;
  for (const auto& a : plan.project) {
    if (!IndexProjects(t, index, a)) return false;
  }
  return true;
}

// The rows `best` hands SQLite: what it reads, less what the other WHERE
// terms on this table will drop (cost.h selectivities).
sqlite3_int64 EstimateRows(const DdbTable& t, const std::vector<Offered>& offered,
                           const Candidate& best) {
  double rows = static_cast<double>(best.rows);
  for (const auto& o : offered) {
    bool consumed = false;
    for (const auto& u : best.usage) consumed |= u.first == o.index;
    if (consumed || o.column < 0 || o.column == t.item_column) continue;
    const std::string& a = t.columns[static_cast<size_t>(o.column)].attribute;
    switch (o.op) {
      case SQLITE_INDEX_CONSTRAINT_EQ:
      case SQLITE_INDEX_CONSTRAINT_IS:
        rows *= EqualitySelectivity(t.stats, a);
        break;
      case SQLITE_INDEX_CONSTRAINT_GT:
      case SQLITE_INDEX_CONSTRAINT_GE:
      case SQLITE_INDEX_CONSTRAINT_LT:
      case SQLITE_INDEX_CONSTRAINT_LE:
        rows *= kRangeSelectivity;
        break;
      case SQLITE_INDEX_CONSTRAINT_ISNULL:
      case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
        rows *= NullSelectivity(t.stats, a, o.op == SQLITE_INDEX_CONSTRAINT_ISNULL);
        break;
      case SQLITE_INDEX_CONSTRAINT_GLOB:
      case SQLITE_INDEX_CONSTRAINT_LIKE:
      case kBeginsWithConstraint:
        rows *= kPrefixSelectivity;
        break;
      default:
        break;
    }
  }
  return std::max<sqlite3_int64>(1, static_cast<sqlite3_int64>(std::ceil(rows)));
}

// Why an index whose partition key the statement fixes was not queried: its
// sort key is unconstrained, so it may lack items the statement can see.
std::string SparseIndexNote(const DdbTable& t, const std::vector<Offered>& offered) {
  for (const auto* list : {&t.desc.global_indexes, &t.desc.local_indexes}) {
    for (const auto& ix : *list) {
      if (!ix.key.range) continue;
      int hash_col = t.ColumnOf(ix.key.hash.name);
      bool hash_eq = false;
      for (const auto& o : offered) {
        hash_eq |= hash_col >= 0 && o.column == hash_col && o.op == SQLITE_INDEX_CONSTRAINT_EQ;
      }
      if (hash_eq) {
        return "sparse index: items without `" + ix.key.range->name + "` are not in " + ix.name;
      }
    }
  }
  return "";
}

// Adds the predicates on other columns to best's plan as filter= (plan.h),
// each with the next argv (after *next_argv) unless it takes none.
void PlanFilters(const DdbTable* t, sqlite3_index_info* info, const std::vector<Offered>& offered,
                 Candidate* best, int* next_argv) {
  const dynamodb::IndexDescription* fetch_index =
      best->plan.fetch ? t->desc.FindIndex(best->plan.index) : nullptr;
  // Predicates on other columns go to DynamoDB as a FilterExpression (less
  // to transfer and decode; the read capacity is the same). IN lists stay
  // with SQLite: a constraint used here without sqlite3_vtab_in would make
  // SQLite run the whole scan once per value.
  if (best->plan.op != Plan::Op::kScan && best->plan.op != Plan::Op::kQuery) return;
  for (const auto& o : offered) {
    bool used = false;
    for (const auto& u : best->usage) used |= u.first == o.index;
    if (used || o.column < 0 || o.column == t->item_column) continue;
    FilterCondition f;
    f.attribute = t->columns[static_cast<size_t>(o.column)].attribute;
    // An index Query's filter sees only what the index projects: on any
    // other attribute it would drop every item. With fetch= such a term
    // is left to SQLite, which checks it on the fetched items.
    if (fetch_index && !IndexProjects(*t, *fetch_index, f.attribute)) continue;
    // DynamoDB holds an encrypted attribute's ciphertext: SQLite compares
    // the plain value (only keys and "sign"/"nothing" attributes are sent).
    if (t->encryptor && t->encryptor->ActionFor(f.attribute) == item_encryption::Action::kEncrypt) {
      continue;
    }
    // A Query's filter may not name the keys it queries by.
    if (best->plan.op == Plan::Op::kQuery) {
      const dynamodb::IndexDescription* ix = t->desc.FindIndex(best->plan.index);
      const dynamodb::KeySchema& k = ix ? ix->key : t->desc.key;
      if (f.attribute == k.hash.name || (k.range && f.attribute == k.range->name)) continue;
    }
    bool exact = false;  // IS [NOT] NULL is exactly DynamoDB's test
    // A value that changes from row to row of an outer loop (a join) is
    // not sent: the Scan is then the same on every row and is read once
    // (scan_cache.h); SQLite compares. Filters save transfer, not capacity.
    // An IN list on an encrypted column is the exception: its values are
    // only known in xFilter, and sending them is what makes it cheap.
    sqlite3_value* rhs = nullptr;
    bool codec_in = o.op == SQLITE_INDEX_CONSTRAINT_EQ && t->codecs && t->codecs->At(o.column) &&
                    sqlite3_vtab_in(info, o.index, -1);
    if (o.op != SQLITE_INDEX_CONSTRAINT_ISNULL && o.op != SQLITE_INDEX_CONSTRAINT_ISNOTNULL &&
        !codec_in && sqlite3_vtab_rhs_value(info, o.index, &rhs) != SQLITE_OK) {
      continue;
    }
    switch (o.op) {
      case SQLITE_INDEX_CONSTRAINT_EQ:
        if (sqlite3_vtab_in(info, o.index, -1)) {
          // An encrypted column's IN list becomes one FilterExpression.
          if (!t->codecs || !t->codecs->At(o.column)) continue;
          sqlite3_vtab_in(info, o.index, 1);
        }
        f.op = FilterCondition::Op::kEq;
        break;
      case SQLITE_INDEX_CONSTRAINT_GT:
        f.op = FilterCondition::Op::kGt;
        break;
      case SQLITE_INDEX_CONSTRAINT_GE:
        f.op = FilterCondition::Op::kGe;
        break;
      case SQLITE_INDEX_CONSTRAINT_LT:
        f.op = FilterCondition::Op::kLt;
        break;
      case SQLITE_INDEX_CONSTRAINT_LE:
        f.op = FilterCondition::Op::kLe;
        break;
      case SQLITE_INDEX_CONSTRAINT_GLOB:
        f.op = FilterCondition::Op::kGlob;
        break;
      case SQLITE_INDEX_CONSTRAINT_ISNULL:
        f.op = FilterCondition::Op::kIsNull;
        exact = true;
        break;
      case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
        f.op = FilterCondition::Op::kIsNotNull;
        exact = true;
        break;
      default:
        continue;
    }
    if (exact && fetch_index) {
      // Tested on the index entry, and the fetched item may have changed
      // since: SQLite tests the row again.
    } else if (exact) {
      info->aConstraintUsage[o.index].omit = 1;
      best->usage.emplace_back(o.index, true);  // consumed, no argv
    } else {
      f.argv = ++*next_argv;
      info->aConstraintUsage[o.index].argvIndex = f.argv;
    }
    best->plan.filter.push_back(std::move(f));
  }
}

}  // namespace

// Contract: chooses the cheapest access that returns exactly the rows
// SQLite asks for: GetItem (whole key equal), BatchGetItem (IN lists on the
// key), Query (partition key equal, on the table or an index that projects
// what the statement uses), else Scan. Writes the Plan to idxStr (see
// plan.h for the argv order) and sets argvIndex/omit to match. Costs are
// cost.h's (round trips and read capacity, from DescribeTable's sizes); see
// plan.h "Cost model" for how SQLite weighs them in joins. Never touches
// the network.
int DdbBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  const auto* t = reinterpret_cast<DdbTable*>(vtab);
  std::vector<Offered> offered;
  int limit_index = -1;
  int offset_index = -1;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT) {
      if (c.usable) limit_index = i;
      continue;
    }
    if (c.op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
      if (c.usable) offset_index = i;
      continue;
    }
    if (!c.usable) continue;
    // Codec columns: only equality on a searchable (deterministic) codec.
    if (t->codecs && !t->codecs->Pushable(c.iColumn, c.op)) continue;
    // DynamoDB compares bytes: a constraint under another collation
    // (NOCASE, RTRIM) stays with SQLite.
    const char* coll = sqlite3_vtab_collation(info, i);
    if (coll && sqlite3_stricmp(coll, "BINARY") != 0 && c.op != SQLITE_INDEX_CONSTRAINT_ISNULL &&
        c.op != SQLITE_INDEX_CONSTRAINT_ISNOTNULL) {
      continue;
    }
    offered.push_back({i, c.iColumn, c.op});
  }

  Candidate best;
  best.plan.op = Plan::Op::kScan;
  ChooseProjection(*t, info, &best.plan);
  best.cost = ScanCost(t->stats).Total();
  best.rows = static_cast<sqlite3_int64>(std::ceil(t->stats.items));

  Candidate c;
  Plan projection = best.plan;
  auto consider = [&](Candidate cand) {
    if (cand.cost < best.cost) {
      cand.plan.project_all = projection.project_all;
      cand.plan.project = projection.project;
      best = std::move(cand);
    }
  };
  if (PlanKeyAccess(*t, info, offered, "", t->desc.key, false, &c)) consider(std::move(c));
  // An index that lacks attributes the statement uses is queried for keys
  // and the items fetched (fetch=BatchGetItem), when that costs less.
  std::string fetch_lost;  // such an index, when a Scan cost less
  for (const auto* list : {&t->desc.global_indexes, &t->desc.local_indexes}) {
    for (const auto& index : *list) {
      if (!index.status.empty() && index.status != "ACTIVE") continue;
      // An index keyed by an encrypted attribute is keyed by ciphertexts.
      if (t->encryptor &&
          (t->encryptor->ActionFor(index.key.hash.name) == item_encryption::Action::kEncrypt ||
           (index.key.range &&
            t->encryptor->ActionFor(index.key.range->name) == item_encryption::Action::kEncrypt))) {
        continue;
      }
      bool fetch = !IndexCovers(*t, index, projection);
      Candidate ic;
      if (!PlanKeyAccess(*t, info, offered, index.name, index.key, fetch, &ic)) continue;
      if (fetch && ic.cost >= best.cost) fetch_lost = index.name;
      consider(std::move(ic));
    }
  }

  for (size_t k = 0; k < best.usage.size(); ++k) {
    auto [index, omit] = best.usage[k];
    info->aConstraintUsage[index].argvIndex = static_cast<int>(k) + 1;
    info->aConstraintUsage[index].omit = omit ? 1 : 0;
  }
  for (int index : best.in_all) sqlite3_vtab_in(info, index, 1);
  int next_argv = static_cast<int>(best.usage.size());
  for (int index : best.omitted) {
    info->aConstraintUsage[index].omit = 1;
    best.usage.emplace_back(index, true);
  }
  if (best.plan.op == Plan::Op::kScan) best.plan.note = SparseIndexNote(*t, offered);
  if (best.plan.op == Plan::Op::kScan && best.plan.note.empty() && !fetch_lost.empty()) {
    best.plan.note =
        "a Query of " + fetch_lost + " and BatchGetItem of the attributes it lacks would cost more";
  }
  PlanFilters(t, info, offered, &best, &next_argv);
  // What is not consumed exactly is filtered by SQLite after us, so a LIMIT
  // may only be pushed when nothing is.
  bool all_omittable = true;  // every WHERE term consumed exactly
  for (const auto& o : offered) {
    bool consumed = false;
    for (const auto& u : best.usage) consumed |= u.first == o.index && u.second;
    if (!consumed) all_omittable = false;
  }
  if (best.plan.order != Plan::Order::kNone) info->orderByConsumed = 1;
  bool order_ok = info->nOrderBy == 0 || info->orderByConsumed;
  if (limit_index >= 0 && all_omittable && order_ok && best.plan.op != Plan::Op::kGetItem) {
    info->aConstraintUsage[limit_index].argvIndex = ++next_argv;
    best.plan.limit_argv = next_argv;
    if (offset_index >= 0) {
      info->aConstraintUsage[offset_index].argvIndex = ++next_argv;
      best.plan.offset_argv = next_argv;
    }
  }
  // The plan xFilter receives (plan.h):
  //   idxNum  the Plan::Op (GetItem, BatchGetItem, Query, Scan), for
  //           debugging only: xFilter reads everything from idxStr.
  //   idxStr  Plan::ToString(), also what EXPLAIN QUERY PLAN prints.
  //   argv    in this order: the key conditions (the partition key, then
  //           the sort key's =, lower bound, upper bound or prefix), then the
  //           filter= values in the order SQLite offered the constraints,
  //           then LIMIT, then OFFSET. Each ?N in idxStr is argv[N-1];
  //           IS [NOT] NULL filters and a sparse index's IS NOT NULL take
  //           no argument.
  info->idxNum = static_cast<int>(best.plan.op);
  std::string s = best.plan.ToString();
  info->idxStr = sqlite3_mprintf("%s", s.c_str());
  info->needToFreeIdxStr = 1;
  info->estimatedCost = best.cost;
  info->estimatedRows = EstimateRows(*t, offered, best);
  if (best.unique) info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
  return SQLITE_OK;
}

}  // namespace ddb::vtab
