// The dashboard's files: GET / (index.html) and GET /static/<file>, both from
// ApiOptions::web_root. Paths are checked to stay inside web_root, symlinks
// included.
#include <algorithm>
#include <map>

#include "server/http/routes.h"

namespace agentry::server {
namespace {

namespace fs = std::filesystem;

std::string content_type(const fs::path& file) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
  };
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

// The file `relative` names under `root`, or nothing when it does not exist,
// is not a regular file, or lies outside root ("..", absolute, symlink out).
std::optional<fs::path> resolve(const fs::path& root, const std::string& relative) {
  if (relative.empty() || relative.find('\0') != std::string::npos || relative.find('\\') != std::string::npos)
    return std::nullopt;
  const fs::path rel(relative);
  if (rel.is_absolute()) return std::nullopt;
  for (const auto& part : rel)
    if (part == ".." || part == ".") return std::nullopt;
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path file = fs::canonical(base / rel, ec);
  if (ec || !fs::is_regular_file(file, ec)) return std::nullopt;
  const auto [root_end, file_it] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (root_end != base.end()) return std::nullopt;
  return file;
}

Reply serve(const fs::path& root, const std::string& relative) {
  const auto file = resolve(root, relative);
  if (!file) throw not_found("no file '" + relative.substr(0, 128) + "' in the dashboard");
  // The dashboard changes with deployments, not per request: revalidate each time.
  return Reply::of_file(*file, content_type(*file)).with_header("Cache-Control", "no-cache");
}

}  // namespace

void add_static_routes(Router& router, RouteContext& ctx) {
  if (ctx.options.web_root.empty()) return;
  const fs::path root = ctx.options.web_root;
  router.add("GET", "/", Access::open, [root](ApiRequest&) { return serve(root, "index.html"); });
  router.add("GET", "/static/{file*}", Access::open,
             [root](ApiRequest& req) { return serve(root, req.param("file")); });
}

}  // namespace agentry::server
