// RunTimes: wall-clock and CPU time of the process, for `.timer on`
// ("Run Time: real 0.004 user 0.001234 sys 0.000567", as sqlite3 prints).
#pragma once

#include <sys/resource.h>

#include <chrono>

namespace ddb::shell {

struct RunTimes {
  double real = 0;  // seconds of the steady clock
  double user = 0;  // CPU seconds in user mode (every thread of the process)
  double sys = 0;   // CPU seconds in the kernel

  static RunTimes Now() {
    RunTimes t;
    t.real =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    struct rusage usage {};
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
      t.user = Seconds(usage.ru_utime);
      t.sys = Seconds(usage.ru_stime);
    }
    return t;
  }

  RunTimes operator-(const RunTimes& earlier) const {
    return RunTimes{real - earlier.real, user - earlier.user, sys - earlier.sys};
  }

 private:
  static double Seconds(const struct timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  }
};

}  // namespace ddb::shell
