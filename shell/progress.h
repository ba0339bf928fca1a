// Progress: a one-line status on stderr for long statements (items scanned
// and returned, pages, consumed capacity, elapsed; for writes the items
// written, write capacity and S3 PUTs), redrawn in place and erased when
// the statement ends. Only when stderr is a terminal, and only after the
// statement has run for a moment. Also the S3 line of `.stats`.
//
// The line is drawn by a timer thread, so it keeps counting while the
// statement waits for a slow page. Results printed to the same terminal must
// not land on the line: render them into Wrap(out), which erases the line
// before every write and holds the next redraw back for a moment.
//
//   Progress progress(isatty(STDERR_FILENO), &stats);
//   rc = RenderResults(stmt, settings, progress.Wrap(out));
//   progress.Finish();  // before printing errors, timings, stats
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "vtab/module.h"

namespace ddb::shell {

class Progress {
 public:
  // `enabled`: stderr is a terminal and the user did not turn it off.
  // `stats` are read (atomically) while the statement runs. `waiting`, when
  // set, says what a stalled statement waits for ("waiting for HOST,
  // attempt 2 of 3", or "" while answers arrive); the line shows it instead
  // of the counts.
  Progress(bool enabled, const vtab::Stats* stats, std::function<std::string()> waiting = {});
  ~Progress();  // Finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // The stream to render results into: `out` itself when no line is drawn
  // or `out` is no terminal, else an unbuffered stream over `out` that keeps
  // the line out of the way. Valid until Finish().
  std::FILE* Wrap(std::FILE* out);

  // Stops the timer, erases the line if one was drawn, closes the stream
  // Wrap returned. Idempotent.
  void Finish();

  // Erases the line and draws none until Resume(), for a question asked on
  // the terminal (the question and its answer stay on screen); Resume()
  // starts the line again after the usual pause, below them.
  void Suspend();
  void Resume();

  // The status text for `stats` after `seconds`, cut to `width` columns;
  // `waiting` (when not empty) replaces the counts. A statement that reads
  // shows "N items scanned, N returned, N pages, N RCU, T" (then
  // ", S3 N GETs N cached" for S3 columns); one that has only written so far
  // shows "N written, N WCU, N S3 PUTs, N S3 deletes, T" instead; one that
  // does both shows its reads, then ", N written, ...". WCU and the S3
  // counts show once they are not zero.
  static std::string Format(const vtab::Stats& stats, double seconds, size_t width,
                            const std::string& waiting = "");

 private:
  static ssize_t WriteThrough(void* cookie, const char* data, size_t size);
  void Run();
  void DrawLocked();
  void EraseLocked();

  const bool enabled_;
  const vtab::Stats* stats_;
  const std::function<std::string()> waiting_;
  const std::chrono::steady_clock::time_point start_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                                  // guarded by mu_
  bool suspended_ = false;                             // guarded by mu_
  bool drawn_ = false;                                 // guarded by mu_
  std::chrono::steady_clock::time_point quiet_until_;  // guarded by mu_: no redraw before
  bool at_line_start_ = true;     // guarded by mu_: the results written so far end a line
  std::FILE* target_ = nullptr;   // guarded by mu_: what the wrapper writes to
  std::FILE* wrapper_ = nullptr;  // main thread only
  std::thread thread_;
};

// The S3 line of `.stats` for the last statement, "" when it sent no S3
// request: "S3: N GETs, N bytes, N cache hits" (codec columns read), then
// "N PUTs, N bytes sent, N objects deleted" (writes through S3 columns),
// the two parts joined by "; ".
std::string S3StatsText(const vtab::Stats& stats);

}  // namespace ddb::shell
