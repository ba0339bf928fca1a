// Tests of the page sources (page_source.h): the prefetch every source
// shares, one request after another, and what happens when the reader goes.
#include "vtab/page_source.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/aws/http.h"
#include "vtab/rate_limiter.h"

namespace ddb::vtab {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;
using dynamodb::ItemPage;

// A page of `n` items {"n": i}.
ItemPage PageOf(int first, int n) {
  ItemPage page;
  for (int i = first; i < first + n; ++i)
    page.items.push_back({{"n", AttributeValue::N(std::to_string(i))}});
  page.count = page.scanned_count = n;
  return page;
}

class PageSourceTest : public ::testing::Test {
 protected:
  RateLimiter limiter_;
  aws::HttpClient http_;
};

TEST_F(PageSourceTest, FixedSourceHandsOutItsPageOnce) {
  FixedSource source(PageOf(0, 3));
  ItemPage page;
  bool done = false;
  ASSERT_TRUE(source.Next(&page, &done).ok());
  EXPECT_TRUE(done);
  EXPECT_EQ(page.items.size(), 3u);
}

TEST_F(PageSourceTest, SequentialSourceFollowsEveryPageInOrder) {
  int sent = 0;
  SequentialSource source(RequestGate::Open(&limiter_, &http_),
                          [&sent](ItemPage* page, bool* last) {
                            *page = PageOf(sent * 2, 2);
                            *last = ++sent == 3;
                            return Status::OK();
                          });
  std::vector<std::string> seen;
  for (bool done = false; !done;) {
    ItemPage page;
    ASSERT_TRUE(source.Next(&page, &done).ok());
    for (const auto& item : page.items) seen.push_back(item.at("n").scalar());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
  EXPECT_EQ(sent, 3);
}

TEST_F(PageSourceTest, SequentialSourceRequestsTheNextPageAhead) {
  std::atomic<int> sent{0};
  SequentialSource source(RequestGate::Open(&limiter_, &http_),
                          [&sent](ItemPage* page, bool* last) {
                            *page = PageOf(0, 1);
                            *last = ++sent == 5;
                            return Status::OK();
                          });
  ItemPage page;
  bool done = false;
  ASSERT_TRUE(source.Next(&page, &done).ok());
  // The second request is sent without waiting for the reader.
  for (int i = 0; i < 2000 && sent.load() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(sent.load(), 2);
}

TEST_F(PageSourceTest, AnErrorEndsTheSource) {
  SequentialSource source(RequestGate::Open(&limiter_, &http_),
                          [](ItemPage*, bool*) { return Status::IOError("throttled"); });
  ItemPage page;
  bool done = false;
  Status s = source.Next(&page, &done);
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
}

// The reader goes (the cursor closes) while the prefetch waits for the rate
// limit: that request is never sent.
TEST_F(PageSourceTest, StopsPrefetchingWhenTheReaderIsGone) {
  limiter_.SetRate(1);
  limiter_.Consume(1000);  // the bucket is empty for a long while
  std::atomic<int> sent{0};
  auto source = std::make_unique<SequentialSource>(RequestGate::Open(&limiter_, &http_),
                                                   [&sent](ItemPage* page, bool* last) {
                                                     ++sent;
                                                     *page = PageOf(0, 1);
                                                     *last = false;
                                                     return Status::OK();
                                                   });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto start = std::chrono::steady_clock::now();
  source.reset();  // waits for the prefetch, which gives up
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(sent.load(), 0);
}

TEST_F(PageSourceTest, CtrlCWhileWaitingForTheRateLimitIsCancelled) {
  limiter_.SetRate(1);
  limiter_.Consume(1000);
  SequentialSource source(RequestGate::Open(&limiter_, &http_), [](ItemPage* page, bool* last) {
    *page = PageOf(0, 1);
    *last = true;
    return Status::OK();
  });
  http_.CancelAll();
  ItemPage page;
  bool done = false;
  EXPECT_TRUE(source.Next(&page, &done).IsCancelled());
}

// Without threads (std::async could not start one) the task runs on the
// reader's thread when the page is asked for, and one never asked for is
// never run.
TEST_F(PageSourceTest, PrefetchWithoutThreadsRunsOnTheReadersThread) {
  auto closed = std::make_shared<std::atomic<bool>>(false);
  std::thread::id ran_on;
  {
    Prefetch prefetch(closed, /*threads=*/false);
    prefetch.Start([&ran_on] {
      ran_on = std::this_thread::get_id();
      return PageResult{Status::OK(), PageOf(0, 2), true};
    });
    EXPECT_TRUE(prefetch.Ready(std::chrono::microseconds(0)));  // never waits for the network
    PageResult r = prefetch.Take();
    ASSERT_TRUE(r.status.ok());
    EXPECT_EQ(r.page.items.size(), 2u);
    EXPECT_EQ(ran_on, std::this_thread::get_id());
  }
  EXPECT_TRUE(closed->load());
  bool ran = false;
  {
    Prefetch prefetch(closed, /*threads=*/false);
    prefetch.Start([&ran] {
      ran = true;
      return PageResult{};
    });
  }
  EXPECT_FALSE(ran);
}

TEST_F(PageSourceTest, PrefetchStopWaitsForARequestInFlight) {
  auto closed = std::make_shared<std::atomic<bool>>(false);
  std::atomic<bool> finished{false};
  {
    Prefetch prefetch(closed);
    prefetch.Start([&finished] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      finished = true;
      return PageResult{};
    });
  }
  EXPECT_TRUE(finished.load());
  EXPECT_TRUE(closed->load());
}

}  // namespace
}  // namespace ddb::vtab
