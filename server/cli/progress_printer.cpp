#include "server/cli/progress_printer.h"

#include <unistd.h>

#include <cmath>

namespace agentry::cli {

ProgressPrinter::ProgressPrinter(std::FILE* out, bool tty) : out_(out), tty_(tty) {}

bool ProgressPrinter::is_tty(std::FILE* f) { return isatty(fileno(f)) == 1; }

void ProgressPrinter::draw_bar(const jobs::Progress& p) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(std::lround(p.percentage / 100.0 * kWidth));
  std::string bar(static_cast<size_t>(std::clamp(filled, 0, kWidth)), '#');
  bar.resize(kWidth, '.');
  std::string steps = p.total_steps > 0 ? std::to_string(p.completed_steps) + "/" + std::to_string(p.total_steps)
                                        : std::to_string(p.completed_steps);
  std::string message = p.message.substr(0, 48);
  std::fprintf(out_, "\r\033[2K[%s] %5.1f%%  %s  %s", bar.c_str(), p.percentage, steps.c_str(), message.c_str());
  std::fflush(out_);
  bar_drawn_ = true;
}

void ProgressPrinter::update(const jobs::Progress& p, const std::vector<jobs::Event>& events) {
  std::lock_guard lock(mutex_);
  for (const auto& e : events) {
    const bool notable = e.event == "agent_completed" || e.event == "agent_failed" || e.event == "retry" ||
                         e.event == "print" || (e.event != "agent_started" && e.event != "progress");
    if (!notable) continue;
    if (tty_ && bar_drawn_) std::fputs("\r\033[2K", out_);
    if (e.event == "agent_completed")
      std::fprintf(out_, "[%2d/%d] %5.1f%%  %s\n", p.completed_steps, p.total_steps, p.percentage,
                   e.details.c_str());
    else
      std::fprintf(out_, "        %s: %s\n", e.event.c_str(), e.details.c_str());
  }
  if (tty_) draw_bar(p);
  std::fflush(out_);
}

void ProgressPrinter::finish(const std::string& status_line) {
  std::lock_guard lock(mutex_);
  if (tty_ && bar_drawn_) std::fputs("\r\033[2K", out_);
  std::fprintf(out_, "%s\n", status_line.c_str());
  std::fflush(out_);
}

}  // namespace agentry::cli
