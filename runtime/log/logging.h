// How the process logs: one place that sets spdlog's default logger up.
//
//   text  one line per record for people ("[…] [info] job=4f0c… scripts: …"),
//         coloured when stderr is a terminal;
//   json  one JSON object per line for log collectors: {"ts", "level", "msg"}
//         plus "job_id" / "request_id" from the thread's LogContext.
//
// Both write to stderr (stdout belongs to commands' own output, e.g.
// `agentry run --json`) and both pass every line through `redact`, so a
// secret registered with `add_secret` never reaches a log, whatever message
// carried it. Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

namespace agentry::log {

enum class LogFormat { text, json };

struct LogOptions {
  // text unless --log-format json / AGENTRY_LOG_FORMAT=json.
  LogFormat format = LogFormat::text;
  // info unless --log-level / AGENTRY_LOG_LEVEL says trace|debug|info|warn|error|critical|off.
  spdlog::level::level_enum level = spdlog::level::info;
};

// "json" -> json; nullopt for anything but "text" / "json".
std::optional<LogFormat> parse_log_format(std::string_view name);
// "debug" -> debug ("warning" is accepted for warn); nullopt when unknown.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

// Replaces the default logger's sink and formatter. Call once, early in main.
void configure_logging(const LogOptions& options);

// The formatter `configure_logging` installs, for tests that log into their
// own sink.
std::unique_ptr<spdlog::formatter> make_formatter(LogFormat format);

// Registers a value that must never be logged (an API key, a bearer token).
// Values shorter than 8 bytes are ignored: they would redact ordinary words.
void add_secret(std::string secret);
// `text` with every registered secret replaced by "[redacted]".
std::string redact(std::string text);

}  // namespace agentry::log
