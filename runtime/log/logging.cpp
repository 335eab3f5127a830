#include "runtime/log/logging.h"

#include <unistd.h>

#include <ctime>
#include <mutex>
#include <vector>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <nlohmann/json.hpp>

#include "runtime/log/log_context.h"

namespace agentry::log {

namespace {

constexpr size_t kMinSecretLength = 8;

std::mutex secrets_mutex;
std::shared_ptr<const std::vector<std::string>> secrets = std::make_shared<std::vector<std::string>>();

std::shared_ptr<const std::vector<std::string>> current_secrets() {
  std::lock_guard lock(secrets_mutex);
  return secrets;
}

// "%&" in the text pattern: the thread's context as "job=… req=… ".
class ContextFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    const LogContext& c = current_context();
    auto append = [&](std::string_view label, const std::string& value) {
      if (value.empty()) return;
      dest.append(label.data(), label.data() + label.size());
      dest.append(value.data(), value.data() + value.size());
      dest.push_back(' ');
    };
    append("job=", c.job_id);
    append("req=", c.request_id);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<ContextFlag>(); }
};

// Renders with a pattern, then redacts the whole line (a secret may sit in
// the message or in a context value).
class TextFormatter final : public spdlog::formatter {
 public:
  TextFormatter() {
    auto inner = std::make_unique<spdlog::pattern_formatter>();
    inner->add_flag<ContextFlag>('&').set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %&%v");
    inner_ = std::move(inner);
  }
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    spdlog::memory_buf_t line;
    inner_->format(msg, line);
    const std::string text = redact(std::string(line.data(), line.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<TextFormatter>(); }

 private:
  std::unique_ptr<spdlog::formatter> inner_;
};

std::string utc_timestamp(spdlog::log_clock::time_point time) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[80];  // room for any int the format could meet (-Wformat-truncation)
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buffer;
}

// One JSON object per line, built with nlohmann::json so quotes, control
// characters and invalid UTF-8 in a message cannot break the line.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::json line;
    line["ts"] = utc_timestamp(msg.time);
    const auto level = spdlog::level::to_string_view(msg.level);
    line["level"] = std::string(level.data(), level.size());
    line["msg"] = redact(std::string(msg.payload.data(), msg.payload.size()));
    const LogContext& c = current_context();
    if (!c.job_id.empty()) line["job_id"] = redact(c.job_id);
    if (!c.request_id.empty()) line["request_id"] = redact(c.request_id);
    line["thread"] = msg.thread_id;
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::text;
  if (name == "json") return LogFormat::json;
  return std::nullopt;
}

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  // spdlog names the level "warning"; the usage text and most tools say "warn".
  if (name == "warn" || name == "warning") return spdlog::level::warn;
  for (int l = spdlog::level::trace; l < spdlog::level::n_levels; ++l) {
    const auto level = static_cast<spdlog::level::level_enum>(l);
    const auto text = spdlog::level::to_string_view(level);
    if (name == std::string_view(text.data(), text.size())) return level;
  }
  return std::nullopt;
}

std::unique_ptr<spdlog::formatter> make_formatter(LogFormat format) {
  if (format == LogFormat::json) return std::make_unique<JsonFormatter>();
  return std::make_unique<TextFormatter>();
}

void configure_logging(const LogOptions& options) {
  // Colours only for a person at a terminal; JSON stays plain for collectors.
  const auto mode = options.format == LogFormat::text && isatty(STDERR_FILENO) ? spdlog::color_mode::automatic
                                                                               : spdlog::color_mode::never;
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(mode);
  auto logger = std::make_shared<spdlog::logger>("agentry", std::move(sink));
  logger->set_formatter(make_formatter(options.format));
  logger->set_level(options.level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

void add_secret(std::string secret) {
  if (secret.size() < kMinSecretLength) return;
  std::lock_guard lock(secrets_mutex);
  auto next = std::make_shared<std::vector<std::string>>(*secrets);
  for (const auto& s : *next)
    if (s == secret) return;
  next->push_back(std::move(secret));
  secrets = std::move(next);
}

std::string redact(std::string text) {
  for (const auto& secret : *current_secrets()) {
    for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 10))
      text.replace(pos, secret.size(), "[redacted]");
  }
  return text;
}

}  // namespace agentry::log
