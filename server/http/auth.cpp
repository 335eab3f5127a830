#include "server/http/auth.h"

#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <stdexcept>
#include <utility>

namespace agentry::server {
namespace {

using nlohmann::json;

constexpr size_t kMaxOwner = 128;
constexpr int kDefaultRatePerMinute = 60;
constexpr int kDefaultBurst = 10;

std::optional<Role> parse_role(const std::string& text) {
  if (text == "client") return Role::client;
  if (text == "viewer") return Role::viewer;
  if (text == "admin") return Role::admin;
  return std::nullopt;
}

std::optional<Sha256> parse_hex_digest(const std::string& text) {
  if (text.size() != 64) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Sha256 out{};
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

// Whether the two digests are equal, in time independent of where they differ.
bool same_digest(const Sha256& a, const Sha256& b) {
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<uint8_t>(a[i] ^ b[i]);
  // The compiler sees a data dependency only; no early exit to optimise into.
  return diff == 0;
}

int non_negative(const json& entry, const char* field, int fallback, const std::string& where) {
  const auto it = entry.find(field);
  if (it == entry.end() || it->is_null()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 1'000'000)
    throw std::invalid_argument(where + ": " + field + " must be a whole number from 0 to 1000000");
  return it->get<int>();
}

std::string text_field(const json& entry, const char* field, const std::string& where) {
  const auto it = entry.find(field);
  if (it == entry.end() || !it->is_string() || it->get<std::string>().empty())
    throw std::invalid_argument(where + ": \"" + field + "\" must be a non-empty string");
  return it->get<std::string>();
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::client: return "client";
    case Role::viewer: return "viewer";
    case Role::admin: return "admin";
  }
  return "unknown";
}

bool Principal::may(Access access) const {
  switch (access) {
    case Access::open:
    case Access::read: return true;
    case Access::write: return role == Role::client || role == Role::admin;
    case Access::admin: return role == Role::admin;
  }
  return false;
}

Sha256 sha256_of(std::string_view text) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(text.data(), static_cast<unsigned>(text.size()));
  const auto& digest = engine.digest();
  Sha256 out{};
  std::copy_n(digest.begin(), out.size(), out.begin());
  return out;
}

std::string to_hex(const Sha256& digest) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const uint8_t byte : digest) {
    out += digits[byte >> 4];
    out += digits[byte & 15];
  }
  return out;
}

TokenSet TokenSet::from_json(const json& entries) {
  if (!entries.is_array())
    throw std::invalid_argument(
        "the tokens must be a JSON array of {\"name\", \"owner\", \"role\", \"sha256\"} objects");
  TokenSet set;
  std::set<std::string> names;
  std::set<Sha256> hashes;
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    std::string where = "token #" + std::to_string(i + 1);
    if (!e.is_object()) throw std::invalid_argument(where + " is not an object");
    for (const auto& [key, value] : e.items())
      if (key != "name" && key != "owner" && key != "role" && key != "sha256" && key != "rate_per_minute" &&
          key != "burst")
        throw std::invalid_argument(where + ": unknown field \"" + key.substr(0, 64) +
                                    "\"; a token has name, owner, role, sha256, rate_per_minute, burst");
    Entry entry;
    entry.principal.name = text_field(e, "name", where);
    where += " (\"" + entry.principal.name + "\")";
    entry.principal.owner = text_field(e, "owner", where);
    if (entry.principal.owner.size() > kMaxOwner)
      throw std::invalid_argument(where + ": owner must be at most " + std::to_string(kMaxOwner) + " bytes");
    const auto role = parse_role(text_field(e, "role", where));
    if (!role) throw std::invalid_argument(where + ": role must be client, viewer or admin");
    entry.principal.role = *role;
    const auto hash = parse_hex_digest(text_field(e, "sha256", where));
    if (!hash)
      throw std::invalid_argument(where +
                                  ": sha256 must be the 64 hex digits of the token's SHA-256 "
                                  "(printf %s TOKEN | sha256sum)");
    entry.hash = *hash;
    entry.principal.rate_per_minute = non_negative(e, "rate_per_minute", kDefaultRatePerMinute, where);
    entry.principal.burst = non_negative(e, "burst", kDefaultBurst, where);
    if (!names.insert(entry.principal.name).second) throw std::invalid_argument(where + ": the name is used twice");
    if (!hashes.insert(entry.hash).second)
      throw std::invalid_argument(where + ": the same token hash is configured twice");
    set.entries_.push_back(std::move(entry));
  }
  return set;
}

TokenSet TokenSet::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read the tokens file " + file.string());
  const json entries = json::parse(in, nullptr, false);
  if (entries.is_discarded()) throw std::invalid_argument("the tokens file " + file.string() + " is not valid JSON");
  try {
    return from_json(entries);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("tokens file " + file.string() + ": " + e.what());
  }
}

std::optional<Principal> TokenSet::authenticate(std::string_view token) const {
  const Sha256 presented = sha256_of(token);
  const Entry* found = nullptr;
  for (const auto& entry : entries_)
    if (same_digest(presented, entry.hash) && !found) found = &entry;
  if (!found) return std::nullopt;
  return found->principal;
}

std::optional<std::string> bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return std::nullopt;
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

}  // namespace agentry::server
