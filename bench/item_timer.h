// Timing for the item benches (item_encryption_bench.cc, dbe_bench.cc): the
// calling thread's CPU time (the machine is shared, wall time would count
// the others' work).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>

namespace ddb::bench {

// The calling thread's CPU seconds so far.
inline double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU seconds of f(0) ... f(count - 1); exits the program, naming the item,
// when one returns false (a bench that measured a failure measured nothing).
inline double TimeItems(size_t count, const std::function<bool(size_t)>& f) {
  double start = ThreadCpuSeconds();
  for (size_t i = 0; i < count; ++i) {
    if (!f(i)) {
      std::fprintf(stderr, "item %zu: decrypt or verify failed\n", i);
      std::exit(1);
    }
  }
  return ThreadCpuSeconds() - start;
}

}  // namespace ddb::bench
