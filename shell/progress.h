// Progress: a one-line status on stderr for long statements (items scanned
// and returned, pages, consumed capacity, elapsed), redrawn in place and
// erased when the statement ends. Only when stderr is a terminal, and only
// after the statement has run for a moment.
#pragma once

#include <chrono>
#include <cstdio>

#include "vtab/module.h"

namespace ddb::shell {

class Progress {
 public:
  // `enabled`: stderr is a terminal and the user did not turn it off.
  Progress(bool enabled, const vtab::Stats* stats);
  ~Progress();  // erases the line if one was drawn
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Called for every row and between pages; cheap when nothing is due.
  void Tick();

 private:
  void Draw();

  bool enabled_;
  const vtab::Stats* stats_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
  unsigned ticks_ = 0;
};

}  // namespace ddb::shell
