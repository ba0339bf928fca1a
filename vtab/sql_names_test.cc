#include "vtab/sql_names.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ddb::vtab {
namespace {

using Names = std::vector<std::string>;

TEST(SqlNamesTest, NamesThatDifferOnlyInCaseEachGetOneOfTheirOwn) {
  EXPECT_EQ(DistinctSqlNames({"id", "Name", "name", "total"}),
            (Names{"id", "Name_1", "name_0", "total"}));
  EXPECT_EQ(DistinctSqlNames({"id", "ID"}), (Names{"id_0", "ID_1_2"}));
  EXPECT_EQ(DistinctSqlNames({"Case_T", "case_t"}), (Names{"Case_T_1_6", "case_t_0"}));
  EXPECT_EQ(DistinctSqlNames({"customerID", "customerId"}),
            (Names{"customerID_9_10", "customerId_9"}));
}

TEST(SqlNamesTest, AReservedNameKeepsItsMeaning) {
  EXPECT_EQ(DistinctSqlNames({"id", "item", "Item"}, {"item"}), (Names{"id", "item_0", "Item_1"}));
  EXPECT_EQ(DistinctSqlNames({"id", "items"}, {"item"}), (Names{"id", "items"}));
}

TEST(SqlNamesTest, OnlyAsciiCapitalsFold) {
  // SQLite folds A-Z only: these are different SQL names already.
  EXPECT_EQ(DistinctSqlNames({"\xc3\xa9t\xc3\xa9", "\xc3\x89t\xc3\xa9"}),
            (Names{"\xc3\xa9t\xc3\xa9", "\xc3\x89t\xc3\xa9"}));
  // Positions count characters, not bytes.
  EXPECT_EQ(DistinctSqlNames({"\xc3\xa9Ta", "\xc3\xa9ta"}),
            (Names{"\xc3\xa9Ta_2", "\xc3\xa9ta_0"}));
}

TEST(SqlNamesTest, AMadeNameNeverTakesAnotherOnesName) {
  // `name_0` is an attribute of its own: it keeps its name, `name` moves on.
  EXPECT_EQ(DistinctSqlNames({"Name", "name", "NAME_0"}), (Names{"Name_1", "name_0_", "NAME_0"}));
}

TEST(SqlNamesTest, TheOrderOfTheNamesDoesNotMatter) {
  Names names = {"a", "Name", "NAME_0", "name", "B", "b", "nAme"};
  Names sorted = names;
  std::sort(sorted.begin(), sorted.end());
  Names first = DistinctSqlNames(names);
  do {
    Names got = DistinctSqlNames(sorted);
    for (size_t i = 0; i < sorted.size(); ++i) {
      size_t at =
          static_cast<size_t>(std::find(names.begin(), names.end(), sorted[i]) - names.begin());
      EXPECT_EQ(got[i], first[at]) << sorted[i];
    }
  } while (std::next_permutation(sorted.begin(), sorted.end()));
  // And every name is distinct ignoring case.
  Names folded;
  for (const auto& n : first) folded.push_back(FoldCase(n));
  std::sort(folded.begin(), folded.end());
  EXPECT_EQ(std::adjacent_find(folded.begin(), folded.end()), folded.end());
}

}  // namespace
}  // namespace ddb::vtab
