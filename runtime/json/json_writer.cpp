#include "runtime/json/json_writer.h"

#include <Poco/UTF8Encoding.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace agentry::json {
namespace {

// 0: copied as is; 1: escaped; 2: starts a multi-byte character.
constexpr std::array<unsigned char, 256> byte_classes() {
  std::array<unsigned char, 256> classes{};
  for (int c = 0; c < 0x20; ++c) classes[c] = 1;
  classes['"'] = classes['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) classes[c] = 2;
  return classes;
}
constexpr auto kByteClass = byte_classes();

void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
      out.append(u, sizeof u);
    }
  }
}

// The length of the well-formed UTF-8 character at s[at], or 0.
size_t utf8_length(std::string_view s, size_t at) {
  const auto lead = static_cast<unsigned char>(s[at]);
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  if (s.size() - at < length) return 0;
  return Poco::UTF8Encoding::isLegal(reinterpret_cast<const unsigned char*>(s.data() + at), static_cast<int>(length))
             ? length
             : 0;
}

// Whether any of the 8 bytes in `v` is a control character, '"', '\\' or
// not ASCII (the classic has-zero-byte / has-less-than bit tricks).
bool needs_care(uint64_t v) {
  constexpr uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
  const auto has_zero = [&](uint64_t x) { return (x - ones) & ~x & highs; };
  return ((v - ones * 0x20) | has_zero(v ^ (ones * '"')) | has_zero(v ^ (ones * '\\')) | v) & highs;
}

nlohmann::json::error_handler_t handler(InvalidUtf8 invalid) {
  return invalid == InvalidUtf8::fail ? nlohmann::json::error_handler_t::strict
                                      : nlohmann::json::error_handler_t::replace;
}

template <class Integer>
void append_integer(std::string& out, Integer n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

}  // namespace

void append_string(std::string& out, std::string_view s, InvalidUtf8 invalid) {
  const size_t start = out.size();
  out.reserve(start + s.size() + 2);
  out += '"';
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size();) {
    uint64_t eight;
    if (s.size() - i >= 8 && (std::memcpy(&eight, s.data() + i, 8), !needs_care(eight))) {
      i += 8;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (kByteClass[c]) {
      case 0: ++i; continue;
      case 1:
        out.append(s.data() + run, i - run);
        append_escape(out, c);
        run = ++i;
        continue;
      default:
        if (const size_t length = utf8_length(s, i)) {
          i += length;
          continue;
        }
        out.resize(start);
        out += nlohmann::json(std::string(s)).dump(-1, ' ', false, handler(invalid));
        return;
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void append(std::string& out, const nlohmann::json& value, InvalidUtf8 invalid) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::object: {
      out += '{';
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (it != value.begin()) out += ',';
        append_string(out, it.key(), invalid);
        out += ':';
        append(out, it.value(), invalid);
      }
      out += '}';
      return;
    }
    case Type::array: {
      out += '[';
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (it != value.begin()) out += ',';
        append(out, *it, invalid);
      }
      out += ']';
      return;
    }
    case Type::string: append_string(out, value.get_ref<const std::string&>(), invalid); return;
    case Type::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Type::number_integer: append_integer(out, value.get<int64_t>()); return;
    case Type::number_unsigned: append_integer(out, value.get<uint64_t>()); return;
    case Type::null: out += "null"; return;
    // nlohmann's own shortest round-trip form for doubles (and its binary form).
    case Type::number_float:
    case Type::binary:
    case Type::discarded: out += value.dump(-1, ' ', false, handler(invalid)); return;
  }
}

}  // namespace agentry::json
