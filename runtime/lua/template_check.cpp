#include "runtime/lua/template_check.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "runtime/lua/template.h"

namespace agentry::lua {

namespace fs = std::filesystem;

namespace {

using Path = std::vector<std::string>;

Path split_path(const std::string& dotted) {
  Path out;
  size_t start = 0;
  while (start <= dotted.size()) {
    const size_t dot = dotted.find('.', start);
    const std::string part = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!part.empty()) out.push_back(part);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

std::string join(const Path& path) {
  std::string out;
  for (const auto& p : path) out += (out.empty() ? "" : ".") + p;
  return out;
}

int line_at(const std::string& text, size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

// Lua line comments removed, so a comment like "-- input: { brief = input }"
// binds nothing. Strings containing "--" lose their tail, which only hides
// a binding there: the check then says less, never something false.
std::string without_comments(const std::string& source) {
  static const std::regex comment(R"(--[^\n]*)");
  return std::regex_replace(source, comment, "");
}

// `name = input` / `name = input.a.b` in an agent: the template root `name`
// reads the agent's input at that path.
std::map<std::string, Path> input_roots(const std::string& source) {
  static const std::regex binding(R"(([A-Za-z_]\w*)\s*=\s*input((?:\.[A-Za-z_]\w*)*)\b(?!\s*[(\[:]))");
  std::map<std::string, Path> roots;
  const std::string code = without_comments(source);
  for (std::sregex_iterator it(code.begin(), code.end(), binding), end; it != end; ++it)
    roots.emplace((*it)[1].str(), split_path((*it)[2].str()));
  return roots;
}

// What part of the job input an agent gets: its input at `agent_path` is the
// job input at `job_path` (both empty: the agent gets the whole job input).
struct Binding {
  Path agent_path;
  Path job_path;
};

// The end of the balanced {...} starting at `open`, or npos.
size_t matching_brace(const std::string& text, size_t open) {
  int depth = 0;
  for (size_t i = open; i < text.size(); ++i) {
    if (text[i] == '{') ++depth;
    if (text[i] == '}' && --depth == 0) return i;
  }
  return std::string::npos;
}

void bind_pipeline(const ScriptSnapshot& snapshot, const PipelineDef& pipeline,
                   std::map<std::string, std::vector<Binding>>& out, int depth = 0) {
  if (depth > 16) return;  // the loader refuses cycles; this only bounds the walk
  if (!pipeline.function_form) {
    for (const auto& step : pipeline.steps) {
      if (const auto* nested = snapshot.find_pipeline(step))
        bind_pipeline(snapshot, *nested, out, depth + 1);
      else
        out[step].push_back({{}, {}});
    }
    return;
  }
  static const std::regex call(R"(run_agent\s*\(\s*["']([\w.-]+)["']\s*,\s*)");
  static const std::regex whole(R"(^input((?:\.[A-Za-z_]\w*)*)\b)");
  static const std::regex field(R"(([A-Za-z_]\w*)\s*=\s*input((?:\.[A-Za-z_]\w*)*)\b(?!\s*[(\[:]))");
  const std::string code = without_comments(pipeline.chunk->source);
  for (std::sregex_iterator it(code.begin(), code.end(), call), end; it != end; ++it) {
    const std::string agent = (*it)[1].str();
    const size_t arg = static_cast<size_t>(it->position(0) + it->length(0));
    std::smatch m;
    const std::string rest = code.substr(arg, 256);
    if (std::regex_search(rest, m, whole)) {
      out[agent].push_back({{}, split_path(m[1].str())});
    } else if (arg < code.size() && code[arg] == '{') {
      const size_t close = matching_brace(code, arg);
      if (close == std::string::npos) continue;
      const std::string table = code.substr(arg + 1, close - arg - 1);
      for (std::sregex_iterator f(table.begin(), table.end(), field); f != end; ++f)
        out[agent].push_back({{(*f)[1].str()}, split_path((*f)[2].str())});
    }
  }
}

struct Placeholder {
  std::string file;
  int line = 0;
  std::string text;  // as written, trimmed: "client.injuries"
  Path path;
};

void scan_placeholders(const CompiledChunk& chunk, std::vector<Placeholder>& out) {
  const std::string& text = chunk.source;
  size_t pos = 0;
  for (const auto& variable : template_variables(text)) {
    // template_variables keeps the order of appearance: find each in turn
    // from the previous one's end to know its line.
    const size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    pos = text.find("}}", open + 2);
    if (pos == std::string::npos) break;
    out.push_back({chunk.file, line_at(text, open), variable, split_path(variable)});
  }
}

// The agent's own placeholders and those of every module it requires (also
// indirectly), where shared prompt cards live.
std::vector<Placeholder> placeholders_of(const ScriptSnapshot& snapshot, const AgentDef& agent) {
  static const std::regex require_call(R"(require\s*\(?\s*["']([\w./-]+)["'])");
  std::vector<Placeholder> out;
  std::set<std::string> seen;
  std::vector<const CompiledChunk*> pending{agent.chunk.get()};
  while (!pending.empty()) {
    const CompiledChunk* chunk = pending.back();
    pending.pop_back();
    scan_placeholders(*chunk, out);
    for (std::sregex_iterator it(chunk->source.begin(), chunk->source.end(), require_call), end; it != end; ++it) {
      const std::string name = (*it)[1].str();
      auto m = snapshot.modules.find(name);
      if (m != snapshot.modules.end() && seen.insert(name).second) pending.push_back(m->second.get());
    }
  }
  return out;
}

// The job-input paths an agent's placeholders read, through its bindings.
struct InputUse {
  Placeholder placeholder;
  Path job_path;
};

std::vector<InputUse> input_uses(const ScriptSnapshot& snapshot, const AgentDef& agent,
                                 const std::vector<Binding>& bindings) {
  std::vector<InputUse> out;
  const auto roots = input_roots(agent.chunk->source);
  for (auto& p : placeholders_of(snapshot, agent)) {
    if (p.path.empty()) continue;
    auto root = roots.find(p.path.front());
    if (root == roots.end()) continue;
    Path agent_path = root->second;
    agent_path.insert(agent_path.end(), p.path.begin() + 1, p.path.end());
    for (const auto& b : bindings) {
      if (agent_path.size() < b.agent_path.size() ||
          !std::equal(b.agent_path.begin(), b.agent_path.end(), agent_path.begin()))
        continue;
      Path job_path = b.job_path;
      job_path.insert(job_path.end(), agent_path.begin() + static_cast<long>(b.agent_path.size()), agent_path.end());
      out.push_back({p, std::move(job_path)});
      break;
    }
  }
  return out;
}

// Whether `path` names a value in `json` the way template() looks it up
// (numbers index lists from 1).
bool has_path(const nlohmann::json& json, const Path& path) {
  const nlohmann::json* at = &json;
  for (const auto& part : path) {
    if (at->is_object()) {
      auto it = at->find(part);
      if (it == at->end()) return false;
      at = &*it;
    } else if (at->is_array()) {
      char* end = nullptr;
      const long index = std::strtol(part.c_str(), &end, 10);
      if (!end || *end != '\0' || index < 1 || static_cast<size_t>(index) > at->size()) return false;
      at = &(*at)[static_cast<size_t>(index - 1)];
    } else {
      return false;
    }
  }
  return true;
}

std::optional<nlohmann::json> read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  auto parsed = nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

struct Sample {
  std::string name;  // as shown: "examples/client.json"
  nlohmann::json json;
};

// `sample_input = "examples/x.json"` in a script, read from the repository.
std::optional<Sample> declared_sample(const CompiledChunk& chunk, const fs::path& examples_dir,
                                      std::vector<ScriptProblem>& warnings) {
  static const std::regex declared(R"(sample_input\s*=\s*["']([^"']+)["'])");
  const std::string code = without_comments(chunk.source);
  std::smatch m;
  if (!std::regex_search(code, m, declared)) return std::nullopt;
  const std::string name = m[1].str();
  auto json = read_json(examples_dir.parent_path() / name);
  if (!json) {
    warnings.push_back({chunk.file, line_at(chunk.source, chunk.source.find(name)),
                        "sample_input '" + name + "' cannot be read as JSON (paths are relative to " +
                            examples_dir.parent_path().string() + ")",
                        true});
    return std::nullopt;
  }
  return Sample{name, std::move(*json)};
}

// "examples/" and "./examples" name the same folder as "examples".
fs::path normalized(const fs::path& dir) {
  fs::path out = fs::absolute(dir).lexically_normal();
  return out.filename().empty() ? out.parent_path() : out;
}

std::vector<Sample> example_files(const fs::path& examples_dir) {
  std::vector<Sample> out;
  if (!fs::is_directory(examples_dir)) return out;
  const std::string folder = examples_dir.filename().string();
  for (const auto& entry : fs::directory_iterator(examples_dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    if (auto json = read_json(entry.path())) out.push_back({folder + "/" + entry.path().filename().string(), *json});
  }
  std::sort(out.begin(), out.end(), [](const Sample& a, const Sample& b) { return a.name < b.name; });
  return out;
}

class Checker {
 public:
  Checker(const ScriptSnapshot& snapshot, const fs::path& examples_dir)
      : snapshot_(snapshot), examples_dir_(normalized(examples_dir)), examples_(example_files(examples_dir_)) {}

  std::vector<ScriptProblem> run() {
    std::set<std::string> declaring_agents;
    for (const auto& [name, agent] : snapshot_.agents)
      if (auto sample = declared_sample(*agent.chunk, examples_dir_, warnings_)) {
        declaring_agents.insert(name);
        check(*sample, name, "", input_uses(snapshot_, agent, {{{}, {}}}));
      }
    for (const auto& [name, pipeline] : snapshot_.pipelines) {
      std::map<std::string, std::vector<Binding>> bindings;
      bind_pipeline(snapshot_, pipeline, bindings);
      std::vector<std::pair<std::string, std::vector<InputUse>>> uses;
      for (const auto& [agent_name, agent_bindings] : bindings) {
        const AgentDef* agent = snapshot_.find_agent(agent_name);
        if (agent && !declaring_agents.count(agent_name))
          uses.emplace_back(agent_name, input_uses(snapshot_, *agent, agent_bindings));
      }
      auto sample = sample_for(pipeline, uses);
      if (!sample) continue;
      for (const auto& [agent_name, agent_uses] : uses) check(*sample, agent_name, name, agent_uses);
    }
    std::stable_sort(warnings_.begin(), warnings_.end(), [](const ScriptProblem& a, const ScriptProblem& b) {
      return a.file != b.file ? a.file < b.file : a.line < b.line;
    });
    return std::move(warnings_);
  }

 private:
  std::optional<Sample> sample_for(const PipelineDef& pipeline,
                                   const std::vector<std::pair<std::string, std::vector<InputUse>>>& uses) {
    if (auto declared = declared_sample(*pipeline.chunk, examples_dir_, warnings_)) return declared;
    const std::string own = examples_dir_.filename().string() + "/" + pipeline.name + ".json";
    for (const auto& e : examples_)
      if (e.name == own) return e;
    size_t total = 0;
    for (const auto& [_, agent_uses] : uses) total += agent_uses.size();
    const Sample* best = nullptr;
    size_t best_found = 0;
    for (const auto& e : examples_) {
      size_t found = 0;
      for (const auto& [_, agent_uses] : uses)
        for (const auto& u : agent_uses) found += has_path(e.json, u.job_path) ? 1 : 0;
      if (found > best_found) best = &e, best_found = found;
    }
    // An example that provides fewer than half of what the agents read is
    // another pipeline's input: checking against it would only make noise.
    if (!best || best_found * 2 <= total) return std::nullopt;
    return *best;
  }

  void check(const Sample& sample, const std::string& agent, const std::string& pipeline,
             const std::vector<InputUse>& uses) {
    for (const auto& u : uses) {
      if (has_path(sample.json, u.job_path)) continue;
      const auto& p = u.placeholder;
      if (!reported_.insert(p.file + ":" + std::to_string(p.line) + ":" + p.text + ":" + sample.name).second) continue;
      std::string where = "agent " + agent + (pipeline.empty() ? "" : " in pipeline " + pipeline);
      warnings_.push_back({p.file, p.line,
                           "{{" + p.text + "}}: " + sample.name + " has no \"" + join(u.job_path) + "\" (" + where +
                               "); the prompt would say \"" + std::string(kMissingTemplateValue) + "\"",
                           true});
    }
  }

  const ScriptSnapshot& snapshot_;
  fs::path examples_dir_;
  std::vector<Sample> examples_;
  std::vector<ScriptProblem> warnings_;
  std::set<std::string> reported_;
};

}  // namespace

std::vector<ScriptProblem> check_template_variables(const ScriptSnapshot& snapshot, const fs::path& examples_dir) {
  return Checker(snapshot, examples_dir).run();
}

fs::path examples_beside(const fs::path& scripts_dir) { return normalized(scripts_dir).parent_path() / "examples"; }

}  // namespace agentry::lua
