// SQL names for DynamoDB names. DynamoDB tells names apart by every byte;
// SQLite compares identifiers ignoring the case of ASCII letters, so of the
// attributes `Name` and `name` (or the tables `Case_T` and `case_t`) one
// would answer for the other. DistinctSqlNames gives every name of such a
// group a column (or table) name of its own, and none of them the bare
// name, so that a statement naming it fails ("no such column") instead of
// reading another attribute.
#pragma once

#include <string>
#include <vector>

namespace ddb::vtab {

// `s` with ASCII capitals lowered: the form under which SQLite finds an
// identifier (other bytes compare exactly).
std::string FoldCase(const std::string& s);

// One SQL name per entry of `names` (distinct DynamoDB names), in order.
// `reserved` are SQL names taken already that keep their meaning (the hidden
// column `item`).
//
//  - A name that no other name and no reserved name equals but for ASCII
//    case keeps it.
//  - Each other name gets "_" and the 1-based positions (in characters) of
//    its capitals A-Z joined by "_", or "_0" when it has none:
//    Name -> Name_1, name -> name_0, NAME -> NAME_1_2_3_4, item -> item_0.
//  - A name so made that another name already has (ignoring case) gets one
//    more "_" until it is free: the names that kept theirs win.
//
// The result depends on the set of names only, never on their order, so a
// table gets the same names whatever order its items were sampled in.
std::vector<std::string> DistinctSqlNames(const std::vector<std::string>& names,
                                          const std::vector<std::string>& reserved = {});

}  // namespace ddb::vtab
