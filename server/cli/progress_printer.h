// Shows a job's progress on a terminal: a redrawn bar on a TTY, one plain line
// per agent otherwise (logs, CI, pipes). Used by `agentry run`, `submit
// --watch` and `watch`.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/jobs/job.h"

namespace agentry::cli {

class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::FILE* out, bool tty);
  static bool is_tty(std::FILE* f);

  void update(const jobs::Progress& p, const std::vector<jobs::Event>& events);
  // Ends the bar line (if any) and prints the final status line.
  void finish(const std::string& status_line);

 private:
  void draw_bar(const jobs::Progress& p);
  std::FILE* out_;
  bool tty_;
  bool bar_drawn_ = false;
  std::mutex mutex_;
};

}  // namespace agentry::cli
