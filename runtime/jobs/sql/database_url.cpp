#include "runtime/jobs/sql/database_url.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace agentry::jobs::sql {
namespace {

constexpr const char* kForms =
    "expected a SQLite file path, sqlite:///abs/path.db, or mysql://user:password@host:3306/database";

DatabaseUrl parse_mysql(const std::string& url) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    throw StoreError("cannot parse database URL: " + e.displayText() + "; " + kForms);
  }
  DatabaseUrl out;
  out.backend = Backend::mysql;
  MysqlAddress& a = out.mysql;
  // getUserInfo() keeps the escapes: split at the first real ':' and then
  // decode, so a password may contain '%3A'.
  const std::string user_info = uri.getUserInfo();
  const auto colon = user_info.find(':');
  Poco::URI::decode(user_info.substr(0, colon), a.user);
  if (colon != std::string::npos) Poco::URI::decode(user_info.substr(colon + 1), a.password);
  if (!uri.getHost().empty()) a.host = uri.getHost();
  if (uri.getPort() != 0) a.port = uri.getPort();
  a.database = uri.getPath();
  if (!a.database.empty() && a.database.front() == '/') a.database.erase(0, 1);
  for (const auto& [key, value] : uri.getQueryParameters()) {
    if (key == "socket")
      a.socket = value;
    else
      throw StoreError("unknown database URL parameter '" + key + "' (supported: socket)");
  }
  if (a.user.empty() || a.database.empty())
    throw StoreError("database URL names no user or no database; " + std::string(kForms));
  out.redacted = "mysql://" + a.user + (a.password.empty() ? "" : ":***") + "@" +
                 (a.socket.empty() ? a.host + ":" + std::to_string(a.port) : a.socket) + "/" + a.database;
  return out;
}

}  // namespace

DatabaseUrl parse_database_url(const std::string& url) {
  if (url.rfind("mysql://", 0) == 0 || url.rfind("mariadb://", 0) == 0) return parse_mysql(url);
  DatabaseUrl out;
  if (url.rfind("sqlite://", 0) == 0)
    out.sqlite_path = url.substr(9);
  else if (url.rfind("sqlite:", 0) == 0)
    out.sqlite_path = url.substr(7);
  else if (url.find("://") != std::string::npos)
    throw StoreError("unsupported database URL '" + url.substr(0, url.find("://") + 3) + "...'; " + kForms);
  else
    out.sqlite_path = url;
  if (out.sqlite_path.empty()) throw StoreError("database URL names no SQLite file; " + std::string(kForms));
  out.redacted = "sqlite:" + out.sqlite_path;
  return out;
}

}  // namespace agentry::jobs::sql
