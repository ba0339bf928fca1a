// The statement's write path outside BEGIN (write_pipeline.h): decisions on
// DynamoDB's codes, what writes add up to, and the statement's message.
#include "vtab/write_pipeline.h"

#include <atomic>

#include <gtest/gtest.h>

namespace ddb::vtab {
namespace {

using dynamodb::CancellationReason;
using dynamodb::TransactWriteResult;

TransactWriteResult Reasons(std::vector<std::string> codes) {
  TransactWriteResult r;
  for (auto& c : codes) r.cancellation_reasons.push_back({std::move(c), "some text", {}});
  return r;
}

Status Cancelled() {
  return Status::AwsError("TransactionCanceledException", "Transaction cancelled", 400);
}

TEST(RefusedEntriesTest, TheEntriesWhoseConditionFailedByCode) {
  EXPECT_EQ(RefusedEntries(Cancelled(), Reasons({"None", "ConditionalCheckFailed", "None",
                                                 "ConditionalCheckFailed"})),
            (std::vector<size_t>{1, 3}));
  // Other codes are not refusals, whatever the message says.
  TransactWriteResult conflict = Reasons({"TransactionConflict", "None"});
  conflict.cancellation_reasons[0].message = "ConditionalCheckFailed";
  EXPECT_TRUE(RefusedEntries(Cancelled(), conflict).empty());
  // Not a cancellation: none.
  EXPECT_TRUE(RefusedEntries(Status::AwsError("ValidationException",
                                              "entry 0: "
                                              "ConditionalCheckFailed",
                                              400),
                             Reasons({"ConditionalCheckFailed"}))
                  .empty());
  EXPECT_TRUE(RefusedEntries(Cancelled(), TransactWriteResult()).empty());
}

TEST(WriteOutcomeTest, AddKeepsTheFirstFailureAndAFewKeys) {
  WriteOutcome total;
  for (int i = 0; i < 7; ++i) {
    WriteOutcome o;
    o.written = 2;
    o.conflicts = 1;
    o.conflict_keys = {"id='" + std::to_string(i) + "'"};
    if (i == 3) {
      o.status = Status::InvalidArgument("first");
      o.sqlite_code = SQLITE_CONSTRAINT;
    }
    if (i == 5) o.status = Status::InvalidArgument("second");
    total.Add(std::move(o));
  }
  EXPECT_EQ(total.status.message(), "first");
  EXPECT_EQ(total.sqlite_code, SQLITE_CONSTRAINT);
  EXPECT_EQ(total.written, 14u);
  EXPECT_EQ(total.conflicts, 7u);
  EXPECT_EQ(total.conflict_keys.size(), 5u);
}

TEST(StatementResultTest, FailureThenConflictsThenOk) {
  int code = -1;
  WriteOutcome out;
  out.written = 3;
  EXPECT_TRUE(StatementResult("t", out, &code).ok());
  EXPECT_EQ(code, SQLITE_OK);

  out.conflicts = 6;
  out.conflict_keys = {"id='a'", "id='b'"};
  Status s = StatementResult("t", out, &code);
  EXPECT_EQ(code, SQLITE_ERROR);
  EXPECT_EQ(s.message(),
            "table t: 6 items were not written because it changed or was deleted since the "
            "statement read it (id='a'; id='b'; ...); nothing was overwritten; 3 items were "
            "written");

  out.status = Status::InvalidArgument("UNIQUE constraint failed");
  out.sqlite_code = SQLITE_CONSTRAINT;
  out.written = 1;
  s = StatementResult("t", out, &code);
  EXPECT_EQ(code, SQLITE_CONSTRAINT);
  EXPECT_EQ(s.message(), "UNIQUE constraint failed (the statement stopped; 1 item was written)");
}

TEST(WritePipelineTest, RunsEveryTaskAndSumsThem) {
  WritePipeline pipeline(4);
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) {
    pipeline.Submit([&ran] {
      ++ran;
      WriteOutcome o;
      o.written = 1;
      return o;
    });
  }
  EXPECT_FALSE(pipeline.failed());
  WriteOutcome out = pipeline.Take();
  EXPECT_EQ(ran.load(), 50);
  EXPECT_EQ(out.written, 50u);
  EXPECT_EQ(pipeline.Take().written, 0u);
  pipeline.Submit([] {
    WriteOutcome o;
    o.status = Status::InvalidArgument("no");
    return o;
  });
  pipeline.Wait();
  EXPECT_TRUE(pipeline.failed());
}

}  // namespace
}  // namespace ddb::vtab
