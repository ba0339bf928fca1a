// FilterBuilder (filter_expression.h): each filter= predicate as a
// DynamoDB condition that keeps every item SQLite could keep.
#include "vtab/filter_expression.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "engine/dynamodb/number.h"
#include "vtab/values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;

bool FilterBuilder::Add(const FilterCondition& f, sqlite3_value* v,
                        const std::string& column_type) {
  // DynamoDB rejects a name placeholder no expression uses: register it
  // only when a predicate is written (Part() does, on "#?").
  std::string a = "#?";
  pending_name_ = f.attribute;
  if (f.op == FilterCondition::Op::kIsNull) {
    Part("(attribute_not_exists(" + a + ") OR attribute_type(" + a + ", " + Type("NULL") + "))");
    return true;
  }
  if (f.op == FilterCondition::Op::kIsNotNull) {
    Part("(attribute_exists(" + a + ") AND NOT attribute_type(" + a + ", " + Type("NULL") + "))");
    return true;
  }
  if (sqlite3_value_type(v) == SQLITE_NULL) return false;
  // Apply the column's affinity as SQLite's comparison will.
  sqlite3_value* x = sqlite3_value_dup(v);
  bool text_affinity = column_type == "S" || column_type == "M" || column_type == "L" ||
                       column_type == "SS" || column_type == "NS" || column_type == "BS";
  bool numeric_affinity = column_type == "N" || column_type == "BOOL";
  int storage = sqlite3_value_type(x);
  if (text_affinity && (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT)) {
    sqlite3_value_text(x);  // converts in place, as the comparison would
    storage = SQLITE_TEXT;
  } else if (numeric_affinity && storage == SQLITE_TEXT) {
    storage = sqlite3_value_numeric_type(x);
  }
  if (f.op == FilterCondition::Op::kGlob) storage = SQLITE_TEXT;  // GLOB compares text
  bool ok = AddTyped(f, x, storage, a, numeric_affinity);
  sqlite3_value_free(x);
  return ok;
}

void FilterBuilder::AddEqualsOneOf(const std::string& attribute,
                                   std::vector<AttributeValue> values) {
  pending_name_ = attribute;
  std::string list;
  for (auto& v : values) list += (list.empty() ? "" : ", ") + Value(std::move(v));
  Part(values.size() == 1 ? "#? = " + list : "#? IN (" + list + ")");
}

bool FilterBuilder::AddTyped(const FilterCondition& f, sqlite3_value* x, int storage,
                             const std::string& a, bool numeric_affinity) {
  using Op = FilterCondition::Op;
  const char* cmp = f.op == Op::kEq   ? "="
                    : f.op == Op::kGt ? ">"
                    : f.op == Op::kGe ? ">="
                    : f.op == Op::kLt ? "<"
                                      : "<=";
  bool below = f.op == Op::kLt || f.op == Op::kLe;
  if (storage == SQLITE_TEXT) {
    const char* p = reinterpret_cast<const char*>(sqlite3_value_text(x));
    std::string text(p, static_cast<size_t>(sqlite3_value_bytes(x)));  // may hold NULs
    if (f.op == Op::kGlob) {
      std::string prefix = text.substr(0, text.find_first_of("*?["));
      if (prefix.empty()) return true;  // nothing DynamoDB can test
      Part("(begins_with(" + a + ", " + Value(AttributeValue::S(prefix)) +
           ") OR NOT attribute_type(" + a + ", " + Type("S") + "))");
      return true;
    }
    // Strings compare as DynamoDB does (bytes); every other type is
    // either always below or always above TEXT, or is TEXT only in SQL.
    Part("(" + a + " " + cmp + " " + Value(AttributeValue::S(text)) + " OR NOT attribute_type(" +
         a + ", " + Type("S") + "))");
    return true;
  }
  if (storage == SQLITE_BLOB) {
    std::string bytes(static_cast<const char*>(sqlite3_value_blob(x)),
                      static_cast<size_t>(sqlite3_value_bytes(x)));
    std::string cond = a + " " + cmp + " " + Value(AttributeValue::B(bytes));
    // BLOBs sort above everything: below a BLOB is any other type too.
    if (below) cond = "(" + cond + " OR NOT attribute_type(" + a + ", " + Type("B") + "))";
    Part(cond);
    return true;
  }
  // A number. In a NUMERIC column SQLite compares an N too long for a
  // double (TEXT in SQL) as the nearest double, so bounds are widened to
  // the neighbouring doubles; in a column without affinity that TEXT sorts
  // above every number, so `>` cannot be sent there at all.
  double d = storage == SQLITE_INTEGER ? static_cast<double>(sqlite3_value_int64(x))
                                       : sqlite3_value_double(x);
  std::string lo = ShortestDouble(std::nextafter(d, -HUGE_VAL));
  std::string hi = ShortestDouble(std::nextafter(d, HUGE_VAL));
  if (!std::isfinite(d) || !dynamodb::ValidateNumber(lo).ok() ||
      !dynamodb::ValidateNumber(hi).ok()) {
    return true;  // beyond DynamoDB's numbers: nothing useful to send
  }
  // SQLite's BOOL values are 0 and 1: numbers too. In a NUMERIC column a
  // string that reads as a number ('5') compares as that number as well.
  auto boolean = [this, numeric_affinity] {
    std::string more = numeric_affinity ? " OR attribute_type(#?, " + Type("S") + ")" : "";
    return " OR attribute_type(#?, " + Type("BOOL") + ")" + more + ")";
  };
  if (f.op == Op::kEq) {
    Part("(#? BETWEEN " + Value(AttributeValue::N(lo)) + " AND " + Value(AttributeValue::N(hi)) +
         boolean());
  } else if (below) {
    Part("(#? <= " + Value(AttributeValue::N(hi)) + boolean());
  } else if (numeric_affinity) {
    Part("(#? >= " + Value(AttributeValue::N(lo)) + " OR NOT attribute_type(#?, " + Type("N") +
         "))");
  }
  return true;
}

std::string FilterBuilder::Name(const std::string& attribute) {
  for (const auto& [k, v] : names_) {
    if (v == attribute) return k;
  }
  std::string k = "#f" + std::to_string(names_.size());
  names_[k] = attribute;
  return k;
}
std::string FilterBuilder::Value(AttributeValue v) {
  std::string k = ":f" + std::to_string(values_.size());
  values_[k] = std::move(v);
  return k;
}
std::string FilterBuilder::Type(const std::string& type) {
  std::string k = ":t" + type;
  values_[k] = AttributeValue::S(type);
  return k;
}
void FilterBuilder::Part(std::string p) {
  std::string name = Name(pending_name_);
  for (size_t at = p.find("#?"); at != std::string::npos; at = p.find("#?", at)) {
    p.replace(at, 2, name);
  }
  expr_ += (expr_.empty() ? "" : " AND ") + p;
}

}  // namespace ddb::vtab
