// The statement's write path outside BEGIN (write_pipeline.h): decisions on
// DynamoDB's codes, what writes add up to, the statement's message, and the
// pipeline's bookkeeping (pure logic: the writes here complete from a thread
// of the test's, as the HTTP client's loop would complete them; the requests
// themselves are covered by the write tests against DynamoDB Local).
#include "vtab/write_pipeline.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

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

// Completes the writes handed to it, in order, from its own thread.
class Completer {
 public:
  Completer() : thread_([this] { Run(); }) {}
  ~Completer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    thread_.join();
  }
  void Add(WritePipeline::Done done, WriteOutcome outcome) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.emplace_back(std::move(done), std::move(outcome));
  }

 private:
  void Run() {
    for (;;) {
      std::pair<WritePipeline::Done, WriteOutcome> next;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (queue_.empty()) {
          if (stop_) return;
        } else {
          next = std::move(queue_.front());
          queue_.pop_front();
        }
      }
      if (!next.first) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      next.first(std::move(next.second));
    }
  }

  std::mutex mu_;
  std::deque<std::pair<WritePipeline::Done, WriteOutcome>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

WriteOutcome Written(uint64_t n) {
  WriteOutcome out;
  out.written = n;
  return out;
}

TEST(WritePipelineTest, NeverMoreThanTheLimitInFlightAndEveryOutcomeSummed) {
  Completer completer;
  WritePipeline pipeline(4);
  std::atomic<int> in_flight{0};
  std::atomic<int> peak{0};
  for (int i = 0; i < 100; ++i) {
    pipeline.Submit([&](WritePipeline::Done done) {
      int now = ++in_flight;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      completer.Add(
          [&in_flight, done](WriteOutcome o) {
            --in_flight;
            done(std::move(o));
          },
          Written(1));
    });
  }
  WriteOutcome total = pipeline.Take();
  EXPECT_EQ(total.written, 100u);
  EXPECT_TRUE(total.status.ok());
  EXPECT_LE(peak.load(), 4);
  EXPECT_EQ(pipeline.max_in_flight(), 4);
  // Take() starts afresh.
  EXPECT_EQ(pipeline.Take().written, 0u);
}

TEST(WritePipelineTest, TheBytesInFlightStayUnderTheBoundWhateverTheMix) {
  // Mixed sizes under a bound of 100: a write the size of the bound, then
  // small ones, then ones that fit only two at a time, then one bigger than
  // the bound (alone). The count of writes alone (limit 32) would let them
  // all in at once.
  Completer completer;
  WritePipeline pipeline(32);
  pipeline.set_max_bytes(100);
  std::atomic<size_t> bytes{0};
  std::atomic<size_t> peak{0};
  std::atomic<int> in_flight{0};
  std::atomic<bool> big_alone{true};
  const std::vector<size_t> sizes = {100, 20, 20, 20, 20, 20, 20, 60, 60, 60, 150, 10, 10};
  for (size_t size : sizes) {
    pipeline.Submit(
        [&, size](WritePipeline::Done done) {
          size_t now = bytes += size;
          if (++in_flight > 1 && size > 100) big_alone = false;
          if (size <= 100) {
            size_t seen = peak.load();
            while (now > seen && !peak.compare_exchange_weak(seen, now)) {
            }
          }
          completer.Add(
              [&, size, done](WriteOutcome o) {
                bytes -= size;
                --in_flight;
                done(std::move(o));
              },
              Written(1));
        },
        0, size);
  }
  WriteOutcome total = pipeline.Take();
  EXPECT_EQ(total.written, sizes.size());
  EXPECT_LE(peak.load(), 100u);
  EXPECT_TRUE(big_alone.load());
  EXPECT_EQ(bytes.load(), 0u);
}

TEST(WritePipelineTest, PostedStepsRunOnTheSubmittingThread) {
  Completer completer;
  WritePipeline pipeline(2);
  const std::thread::id me = std::this_thread::get_id();
  std::atomic<int> steps_elsewhere{0};
  for (int i = 0; i < 10; ++i) {
    // A write of two steps: the second posted from the completing thread.
    pipeline.Submit([&](WritePipeline::Done done) {
      completer.Add(
          [&, done](WriteOutcome o) {
            pipeline.Post([&, done, o]() mutable {
              if (std::this_thread::get_id() != me) ++steps_elsewhere;
              done(std::move(o));
            });
          },
          Written(2));
    });
  }
  EXPECT_EQ(pipeline.Take().written, 20u);
  EXPECT_EQ(steps_elsewhere.load(), 0);
}

TEST(WritePipelineTest, LedgerStepsRunInOrderOnOneOtherThread) {
  Completer completer;
  WritePipeline pipeline(8);
  const std::thread::id me = std::this_thread::get_id();
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread::id> threads;
  for (int i = 0; i < 20; ++i) {
    // A first step on the ledger thread, a request, a last step there.
    pipeline.Submit([&, i](WritePipeline::Done done) {
      pipeline.PostToLedger([&, i, done] {
        {
          std::lock_guard<std::mutex> lock(mu);
          order.push_back(i);
          threads.push_back(std::this_thread::get_id());
        }
        completer.Add([&, done](WriteOutcome o) { pipeline.PostToLedger([done, o] { done(o); }); },
                      Written(1));
      });
    });
  }
  EXPECT_EQ(pipeline.Take().written, 20u);
  std::vector<int> want(20);
  for (int i = 0; i < 20; ++i) want[i] = i;
  EXPECT_EQ(order, want);  // in the order posted
  for (const std::thread::id& t : threads) {
    EXPECT_NE(t, me);
    EXPECT_EQ(t, threads[0]);  // one thread
  }
}

TEST(WritePipelineTest, TheFirstFailureIsKeptAndFailedSaysSo) {
  Completer completer;
  WritePipeline pipeline(3);
  for (int i = 0; i < 6; ++i) {
    pipeline.Submit([&, i](WritePipeline::Done done) {
      WriteOutcome out = Written(i == 2 || i == 4 ? 0 : 1);
      if (i == 2) out.status = Status::InvalidArgument("first");
      if (i == 4) out.status = Status::InvalidArgument("second");
      completer.Add(done, std::move(out));
    });
  }
  pipeline.Wait();
  EXPECT_TRUE(pipeline.failed());
  WriteOutcome total = pipeline.Take();
  EXPECT_EQ(total.status.message(), "first");
  EXPECT_EQ(total.written, 4u);
  EXPECT_FALSE(pipeline.failed());
}

TEST(WritePipelineTest, AWriteCompletedAtOnceOnTheSubmittingThreadIsCounted) {
  WritePipeline pipeline(1);
  for (int i = 0; i < 5; ++i) {
    pipeline.Submit([](WritePipeline::Done done) { done(Written(1)); });
  }
  EXPECT_EQ(pipeline.Take().written, 5u);
}

}  // namespace
}  // namespace ddb::vtab
