#include "server/cli/args.h"

namespace agentry::cli {

Args::Args(int argc, char** argv, int first, std::set<std::string> boolean_flags) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") throw HelpRequested();
    if (a.rfind("--", 0) != 0 || a == "--") {
      positionals_.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    if (auto eq = name.find('='); eq != std::string::npos) {
      values_[name.substr(0, eq)] = name.substr(eq + 1);
    } else if (boolean_flags.count(name)) {
      booleans_.insert(name);
    } else {
      if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
      values_[name] = argv[++i];
    }
  }
}

std::optional<std::string> Args::value(const std::string& flag) {
  read_.insert(flag);
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::value_or(const std::string& flag, const std::string& fallback) {
  return value(flag).value_or(fallback);
}

std::optional<int> Args::integer(const std::string& flag) {
  auto v = value(flag);
  if (!v) return std::nullopt;
  try {
    size_t used = 0;
    int n = std::stoi(*v, &used);
    if (used == v->size()) return n;
  } catch (const std::exception&) {
  }
  throw UsageError("--" + flag + " expects a whole number, got '" + *v + "'");
}

bool Args::flag(const std::string& name) {
  read_.insert(name);
  return booleans_.count(name) > 0;
}

std::vector<std::pair<std::string, std::string>> Args::unread() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : values_)
    if (!read_.count(k)) out.emplace_back(k, v);
  for (const auto& b : booleans_)
    if (!read_.count(b)) out.emplace_back(b, "");
  return out;
}

void Args::reject_unread() const {
  auto left = unread();
  if (!left.empty()) throw UsageError("unknown option --" + left.front().first);
  if (!positionals_read_ && !positionals_.empty())
    throw UsageError("unexpected argument '" + positionals_.front() + "' (options start with --)");
}

std::optional<std::string> take_option(int& argc, char** argv, const std::string& name) {
  const std::string flag = "--" + name;
  std::optional<std::string> found;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") {  // everything after it is positional
      while (i < argc) argv[out++] = argv[i++];
      break;
    }
    if (a == flag) {
      if (i + 1 >= argc) throw UsageError(flag + " needs a value");
      found = argv[++i];
    } else if (a.rfind(flag + "=", 0) == 0) {
      found = a.substr(flag.size() + 1);
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  argv[argc] = nullptr;
  return found;
}

}  // namespace agentry::cli
