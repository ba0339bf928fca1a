// FilterBuilder: the FilterExpression sent with a Query or Scan for the
// plan's filter= predicates (plan.h), written so that it keeps every item
// SQLite could keep.
//
//   FilterBuilder filter;
//   if (!filter.Add(condition, argv[condition.argv - 1], column_type)) {
//     ...  // no row can match
//   }
//   request.filter = filter.expression();  // with names() and values()
//
// SQLite's rules differ from DynamoDB's: the column's affinity converts the
// SQL value first, values of different storage classes order NULL < numbers
// < TEXT < BLOB, and an N with more digits than a double holds is TEXT in
// SQL. So each predicate becomes "the DynamoDB comparison OR the item holds
// a type the comparison cannot judge", and SQLite re-checks the rows (all
// but IS [NOT] NULL, which are exact). Placeholders: names #f0, #f1, ...;
// values :f0, :f1, ...; type names :tS, :tN, :tB, :tBOOL, :tNULL.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"
#include "vtab/plan.h"

namespace ddb::vtab {

class FilterBuilder {
 public:
  // Adds `f` with SQL value `v` (nullptr for IS [NOT] NULL) on a column
  // whose DynamoDB type is `column_type`. Returns false when no row can
  // match (a comparison with NULL).
  bool Add(const FilterCondition& f, sqlite3_value* v, const std::string& column_type);

  // `attribute` equals one of `values` exactly: the encoded literals of
  // equality on a codec column (SQLite re-checks the decoded values).
  void AddEqualsOneOf(const std::string& attribute, std::vector<dynamodb::AttributeValue> values);

  std::string expression() const { return expr_; }
  dynamodb::NameMap& names() { return names_; }
  dynamodb::AttributeMap& values() { return values_; }

  // Sets the filter, names and values of a Query or Scan request.
  template <typename Request>
  void ApplyTo(Request* req) const {
    req->filter = expr_;
    for (const auto& [k, v] : names_) req->names[k] = v;
    for (const auto& [k, v] : values_) req->values[k] = v;
  }

 private:
  bool AddTyped(const FilterCondition& f, sqlite3_value* x, int storage, const std::string& a,
                bool numeric_affinity);
  std::string Name(const std::string& attribute);
  std::string Value(dynamodb::AttributeValue v);
  std::string Type(const std::string& type);
  // Appends predicate `p`, "#?" in it standing for the attribute's name.
  void Part(std::string p);

  std::string expr_;
  std::string pending_name_;  // the attribute of the predicate being added
  dynamodb::NameMap names_;
  dynamodb::AttributeMap values_;
};

}  // namespace ddb::vtab
