// Who is calling: API tokens, their roles and what each role may do.
//
// Tokens are configured as a JSON array (serve --tokens FILE) of
//   {"name": "web", "owner": "acme", "role": "client", "sha256": "<64 hex>",
//    "rate_per_minute": 60, "burst": 10}
// where sha256 is the hex SHA-256 of the token, so the file holds no secret.
// A request presents `Authorization: Bearer <token>`; its hash is compared in
// constant time against every configured hash. With no tokens configured,
// auth is off and every caller is the anonymous admin with owner "" (the
// server then listens on loopback only; see serve_command.cpp).
//
// Roles: client (creates jobs; sees, streams and cancels only its owner's
// jobs), viewer (reads everything), admin (everything: reload, delete,
// /metrics). docs/api.md has the full matrix.
//
// Immutable after construction, so thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentry::server {

enum class Role { client, viewer, admin };

std::string_view to_string(Role role);

// What a route requires of its caller (Router::add).
enum class Access {
  open,   // anyone, no token (health, dashboard files)
  read,   // any valid token
  write,  // client or admin (create, cancel; a client only its own jobs)
  admin,  // admin only
};

struct Principal {
  std::string name;   // the token's name ("" when auth is off); never the token
  std::string owner;  // jobs created by this caller belong to it
  Role role = Role::admin;
  int rate_per_minute = 0;  // job creations; 0: unlimited
  int burst = 0;

  // A client sees only its owner's jobs; everyone else sees all.
  bool sees_only_own_jobs() const { return role == Role::client; }
  // Whether a job of `job_owner` is visible to this caller.
  bool may_see(const std::string& job_owner) const { return !sees_only_own_jobs() || job_owner == owner; }
  bool may(Access access) const;
};

using Sha256 = std::array<uint8_t, 32>;

Sha256 sha256_of(std::string_view text);
std::string to_hex(const Sha256& digest);

class TokenSet {
 public:
  // No tokens: auth off.
  TokenSet() = default;
  // Parses the array described above. Throws std::invalid_argument naming the
  // entry and field to fix (missing name, unknown role, sha256 not 64 hex
  // digits, duplicate name or hash, owner empty or longer than 128 bytes).
  static TokenSet from_json(const nlohmann::json& entries);
  // Reads and parses FILE; errors name the file.
  static TokenSet load(const std::filesystem::path& file);

  bool enabled() const { return !entries_.empty(); }
  size_t size() const { return entries_.size(); }
  // The principal whose hash matches sha256(token), or nothing. Every
  // configured hash is compared, each in constant time, whatever matches.
  std::optional<Principal> authenticate(std::string_view token) const;

 private:
  struct Entry {
    Principal principal;
    Sha256 hash{};
  };
  std::vector<Entry> entries_;
};

// The token of an `Authorization: Bearer <token>` header value; nothing when
// the value is not of that form.
std::optional<std::string> bearer_token(std::string_view authorization);

}  // namespace agentry::server
