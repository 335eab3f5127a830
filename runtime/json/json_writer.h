// Compact JSON text, byte for byte what nlohmann's dump() writes, at several
// times its speed on long strings. Agent prompts, step outputs and results
// are tens of kilobytes of text per step; dump() escapes them one byte at a
// time through its UTF-8 decoder, which made it the largest single cost of
// a step (docs/profile.md). Strings here are copied in runs between the bytes
// that need escaping, and multi-byte characters are checked with Poco's UTF-8
// rules; a string that is not valid UTF-8 is handed to nlohmann as it is, so
// errors and replacement characters stay exactly nlohmann's.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentry::json {

enum class InvalidUtf8 {
  fail,     // throw nlohmann's type_error 316, as dump() does
  replace,  // write U+FFFD, as dump() with error_handler_t::replace does
};

// Appends `s` as a JSON string, quotes included.
void append_string(std::string& out, std::string_view s, InvalidUtf8 invalid);

// Appends `value`; the same text as value.dump(-1, ' ', false, handler).
void append(std::string& out, const nlohmann::json& value, InvalidUtf8 invalid);

inline std::string text(const nlohmann::json& value, InvalidUtf8 invalid) {
  std::string out;
  append(out, value, invalid);
  return out;
}

}  // namespace agentry::json
