// Reading, compiling and validating a scripts directory into a snapshot.
#include <algorithm>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <lua.hpp>

#include "runtime/lua/job_host.h"
#include "runtime/lua/lua_json.h"
#include "runtime/lua/script_registry.h"

namespace agentry::lua {

namespace fs = std::filesystem;

std::string ScriptProblem::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  return out + ": " + (warning ? "warning: " : "") + message;
}

std::vector<std::string> ScriptSnapshot::pipeline_names() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : pipelines) names.push_back(name);
  return names;
}

namespace {

std::string sha256_hex(std::string_view data) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(data.data(), static_cast<unsigned>(data.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "agents/E4.lua:17: '=' expected near 'end'" -> {file, 17, message}.
ScriptProblem problem_from_lua_message(const std::string& fallback_file, const std::string& text) {
  static const std::regex located(R"(^([A-Za-z0-9_./-]+\.lua):(\d+): ([\s\S]*)$)");
  std::smatch m;
  if (std::regex_match(text, m, located)) return {m[1], std::stoi(m[2]), m[3]};
  return {fallback_file, 0, text};
}

int append_chunk(lua_State*, const void* data, size_t size, void* out) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return 0;
}

// Text only: a bytecode file is refused like any other syntax error.
std::optional<std::string> compile(lua_State* L, const std::string& file, const std::string& source,
                                   std::vector<ScriptProblem>& errors) {
  const std::string chunkname = "@" + file;
  if (luaL_loadbufferx(L, source.data(), source.size(), chunkname.c_str(), "t") != 0) {
    errors.push_back(problem_from_lua_message(file, lua_tostring(L, -1)));
    lua_pop(L, 1);
    return std::nullopt;
  }
  std::string bytecode;
  lua_dump(L, append_chunk, &bytecode);
  lua_pop(L, 1);
  return bytecode;
}

// Scripts run their top level while loading; they have no business calling
// an LLM then.
class NoCallsProvider final : public llm::LlmProvider {
 public:
  std::string name() const override { return "none"; }
  llm::ChatReply chat(const llm::ChatRequest&, const llm::CallControl&) override {
    throw llm::LlmError(llm::LlmError::Kind::permanent, "llm.chat cannot be called while scripts are loading");
  }
};

std::optional<std::string> get_string(lua_State* L, int t, const char* name) {
  lua_getfield(L, t, name);
  std::optional<std::string> v;
  if (lua_type(L, -1) == LUA_TSTRING) v = lua_tostring(L, -1);
  lua_pop(L, 1);
  return v;
}

std::optional<double> get_number(lua_State* L, int t, const char* name) {
  lua_getfield(L, t, name);
  std::optional<double> v;
  if (lua_type(L, -1) == LUA_TNUMBER) v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}

bool has_function(lua_State* L, int t, const char* name) {
  lua_getfield(L, t, name);
  const bool f = lua_isfunction(L, -1);
  lua_pop(L, 1);
  return f;
}

// Reads a list of strings at t[name]; false when present but malformed.
bool get_string_list(lua_State* L, int t, const char* name, std::vector<std::string>& out) {
  lua_getfield(L, t, name);
  bool ok = true;
  if (lua_istable(L, -1)) {
    const int n = static_cast<int>(lua_objlen(L, -1));
    for (int i = 1; i <= n; ++i) {
      lua_rawgeti(L, -1, i);
      if (lua_type(L, -1) == LUA_TSTRING)
        out.emplace_back(lua_tostring(L, -1));
      else
        ok = false;
      lua_pop(L, 1);
    }
  } else if (!lua_isnil(L, -1)) {
    ok = false;
  }
  lua_pop(L, 1);
  return ok;
}

struct FoundFile {
  std::string rel;  // "agents/E1.lua"
  fs::path path;
};

std::vector<FoundFile> list_files(const fs::path& dir, const std::string& sub, const std::string& ext) {
  std::vector<FoundFile> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir / sub, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!it->is_regular_file() || name.size() <= ext.size() || name.compare(name.size() - ext.size(), ext.size(), ext))
      continue;
    if (name[0] == '.') continue;  // editor lock and swap files
    files.push_back({sub + "/" + name, it->path()});
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.rel < b.rel; });
  return files;
}

std::string stem_of(const std::string& rel, const std::string& ext) {
  auto name = rel.substr(rel.find('/') + 1);
  return name.substr(0, name.size() - ext.size());
}

// Reads the definition table an agent file returned.
void read_agent(lua_State* L, int t, AgentDef& a, std::vector<ScriptProblem>& errors) {
  const std::string file = a.chunk->file;
  if (auto name = get_string(L, t, "name"); name && *name != a.name)
    errors.push_back({file, 0, "agent name '" + *name + "' does not match the file name '" + a.name + ".lua'"});
  if (!has_function(L, t, "run")) errors.push_back({file, 0, "agent { ... } needs a run = function(input, ctx)"});
  a.title = get_string(L, t, "title").value_or("");
  a.phase = get_string(L, t, "phase").value_or("");
  a.model = get_string(L, t, "model").value_or("");
  a.temperature = get_number(L, t, "temperature");
  if (auto m = get_number(L, t, "max_tokens")) a.max_tokens = static_cast<int>(*m);
  if (auto mb = get_number(L, t, "memory_mb")) {
    // The job's limit is the ceiling: a larger value is clamped to it at run time.
    const size_t ceiling_mb = SandboxLimits{}.memory_bytes >> 20;
    if (!(*mb >= 1))
      errors.push_back({file, 0, "memory_mb must be at least 1 (MiB)"});
    else if (*mb > static_cast<double>(ceiling_mb))
      errors.push_back({file, 0,
                        "memory_mb " + std::to_string(static_cast<long long>(*mb)) + " is above the job limit of " +
                            std::to_string(ceiling_mb) + " MiB; the job limit applies",
                        true});
    else
      a.memory_bytes = static_cast<size_t>(*mb) << 20;
  }
  if (auto s = get_number(L, t, "timeout")) {
    if (!(*s >= 1) || *s > 7 * 24 * 3600)
      errors.push_back({file, 0, "timeout must be a number of seconds, at least 1"});
    else
      a.timeout_seconds = static_cast<int>(*s);
  }
  lua_getfield(L, t, "output");
  if (lua_istable(L, -1)) {
    const int out = lua_gettop(L);
    if (!get_string_list(L, out, "required", a.required_outputs))
      errors.push_back({file, 0, "output.required must be a list of field names"});
    lua_getfield(L, out, "schema");
    if (lua_istable(L, -1)) a.output_schema = to_json(L, -1);
    lua_pop(L, 1);
  } else if (!lua_isnil(L, -1)) {
    errors.push_back({file, 0, "output must be a table like { required = { \"field\" } }"});
  }
  lua_pop(L, 1);
  lua_getfield(L, t, "retry");
  if (lua_istable(L, -1)) {
    const int r = lua_gettop(L);
    if (auto m = get_number(L, r, "max")) a.retry_max = static_cast<int>(*m);
    a.retry_base = get_number(L, r, "base");
  }
  lua_pop(L, 1);
}

void read_pipeline(lua_State* L, int t, PipelineDef& p, std::vector<ScriptProblem>& errors) {
  const std::string file = p.chunk->file;
  if (auto name = get_string(L, t, "name"); name && *name != p.name)
    errors.push_back({file, 0, "pipeline name '" + *name + "' does not match the file name '" + p.name + ".lua'"});
  p.title = get_string(L, t, "title").value_or("");
  if (auto s = get_number(L, t, "timeout")) p.timeout_seconds = static_cast<int>(*s);
  if (!get_string_list(L, t, "steps", p.steps)) errors.push_back({file, 0, "steps must be a list of names"});
  p.function_form = p.steps.empty();
  if (p.function_form && !has_function(L, t, "run"))
    errors.push_back({file, 0, "pipeline { ... } needs steps = { ... } or run = function(input, ctx)"});
}

// The line of the first string literal naming `name` in `source`, for errors
// about a reference ("pipelines/training.lua:3: step 'E10' ...").
int line_of_reference(const std::string& source, const std::string& name) {
  for (const std::string& quoted : {"\"" + name + "\"", "'" + name + "'"}) {
    const auto pos = source.find(quoted);
    if (pos != std::string::npos) return 1 + static_cast<int>(std::count(source.begin(), source.begin() + pos, '\n'));
  }
  return 0;
}

}  // namespace

std::shared_ptr<ScriptSnapshot> load_scripts(const fs::path& directory, std::vector<ScriptProblem>& errors) {
  auto snap = std::make_shared<ScriptSnapshot>();
  snap->loaded_at = jobs::now_ms();
  if (!fs::is_directory(directory)) {
    errors.push_back({directory.string(), 0, "scripts directory not found"});
    return nullptr;
  }

  std::unique_ptr<lua_State, void (*)(lua_State*)> compiler(luaL_newstate(), lua_close);
  Poco::SHA2Engine version_hash(Poco::SHA2Engine::SHA_256);
  std::map<std::string, ScriptFileInfo> infos;

  auto add_chunk = [&](const FoundFile& f) -> std::shared_ptr<const CompiledChunk> {
    auto chunk = std::make_shared<CompiledChunk>();
    chunk->file = f.rel;
    chunk->source = read_file(f.path);
    chunk->sha256 = sha256_hex(chunk->source);
    version_hash.update(f.rel + '\0' + chunk->source + '\0');
    infos[f.rel] = ScriptFileInfo{f.rel, chunk->sha256, snap->loaded_at, {}};
    const size_t before = errors.size();
    auto bytecode = compile(compiler.get(), f.rel, chunk->source, errors);
    if (!bytecode) {
      for (size_t i = before; i < errors.size(); ++i) infos[f.rel].problems.push_back(errors[i]);
      return nullptr;
    }
    chunk->bytecode = std::move(*bytecode);
    return chunk;
  };

  // Files that failed to compile: references to them are not errors of their own.
  std::set<std::string> broken;
  for (const auto& f : list_files(directory, "agents", ".lua"))
    if (auto chunk = add_chunk(f); !chunk) {
      broken.insert(stem_of(f.rel, ".lua"));
    } else {
      AgentDef def;
      def.name = stem_of(f.rel, ".lua");
      def.chunk = chunk;
      snap->agents.emplace(def.name, std::move(def));
    }
  for (const auto& f : list_files(directory, "pipelines", ".lua"))
    if (auto chunk = add_chunk(f); !chunk) {
      broken.insert(stem_of(f.rel, ".lua"));
    } else {
      PipelineDef def;
      def.name = stem_of(f.rel, ".lua");
      def.chunk = chunk;
      if (snap->agents.count(def.name))
        errors.push_back({f.rel, 0, "pipeline '" + def.name + "' has the same name as an agent"});
      snap->pipelines.emplace(def.name, std::move(def));
    }
  for (const auto& f : list_files(directory, "lib", ".lua"))
    if (auto chunk = add_chunk(f)) snap->modules.emplace(stem_of(f.rel, ".lua"), chunk);
  for (const auto& f : list_files(directory, "agents", ".mock.json")) {
    const std::string text = read_file(f.path);
    version_hash.update(f.rel + '\0' + text + '\0');
    auto fixture = nlohmann::json::parse(text, nullptr, false);
    const std::string agent = stem_of(f.rel, ".mock.json");
    auto it = snap->agents.find(agent);
    if (fixture.is_discarded() || !fixture.is_object())
      errors.push_back({f.rel, 0, "not a JSON object"});
    else if (it == snap->agents.end())
      errors.push_back({f.rel, 0, "fixture for an unknown agent '" + agent + "'", true});
    else
      it->second.mock_fixture = std::make_shared<const nlohmann::json>(std::move(fixture));
  }
  if (snap->pipelines.empty() && errors.empty()) errors.push_back({"pipelines", 0, "no pipeline scripts found"});

  // Run every file's top level in a sandbox to read what it defines.
  {
    SandboxLimits limits;
    limits.memory_bytes = 64u << 20;
    limits.cpu_slice = std::chrono::milliseconds(2000);
    llm::LlmClient no_calls(std::make_shared<NoCallsProvider>());
    jobs::NullJournal journal;
    JobControl control;
    JobRequest request{"load", "", nlohmann::json::object(), 0};
    RunOptions options;
    options.limits = limits;
    Sandbox sandbox(limits);
    JobHost host(*snap, no_calls, journal, control, request, options, sandbox);
    lua_State* L = sandbox.L();
    register_json_array_metatable(L);
    const std::string& prelude = prelude_bytecode();
    if (luaL_loadbuffer(L, prelude.data(), prelude.size(), "@runtime/lua/prelude.lua") != 0) {
      errors.push_back({"runtime/lua/prelude.lua", 0, lua_tostring(L, -1)});
      return nullptr;
    }
    host.push_host_table(L);
    if (lua_pcall(L, 1, 1, 0) != 0) {
      errors.push_back({"runtime/lua/prelude.lua", 0, lua_tostring(L, -1)});
      return nullptr;
    }
    const int api = lua_gettop(L);
    auto define = [&](const char* kind, const std::string& name, const std::string& file, auto&& read) {
      lua_getfield(L, api, "definition");
      lua_pushstring(L, kind);
      lua_pushstring(L, name.c_str());
      sandbox.reset_cpu_slice();
      if (lua_pcall(L, 2, 1, 0) != 0) {
        std::string msg =
            lua_istable(L, -1) ? "error while loading" : (lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
        if (sandbox.stop_reason() != StopReason::none) msg = sandbox.stop_message();
        errors.push_back(problem_from_lua_message(file, msg));
      } else {
        read(L, lua_gettop(L));
      }
      lua_settop(L, api);
      // A script that hit a limit leaves the state unusable for the others.
      return sandbox.stop_reason() == StopReason::none;
    };
    // Plain references, not structured bindings: clang 14 cannot capture those.
    for (auto& entry : snap->agents) {
      AgentDef& def = entry.second;
      if (!define("agent", entry.first, def.chunk->file, [&](lua_State* S, int t) { read_agent(S, t, def, errors); }))
        break;
    }
    for (auto& entry : snap->pipelines) {
      PipelineDef& def = entry.second;
      if (!define("pipeline", entry.first, def.chunk->file,
                  [&](lua_State* S, int t) { read_pipeline(S, t, def, errors); }))
        break;
    }
  }

  // Every step names something that exists; nesting has no cycle.
  std::function<int(const std::string&, std::set<std::string>&)> count_steps = [&](const std::string& name,
                                                                                   std::set<std::string>& path) -> int {
    const PipelineDef& p = snap->pipelines.at(name);
    if (!path.insert(name).second) {
      errors.push_back({p.chunk->file, 0, "pipeline '" + name + "' includes itself"});
      return 0;
    }
    int total = 0;
    for (const auto& step : p.steps) {
      if (snap->agents.count(step))
        ++total;
      else if (snap->pipelines.count(step))
        total += count_steps(step, path);
      else if (!broken.count(step))
        errors.push_back({p.chunk->file, line_of_reference(p.chunk->source, step),
                          "step '" + step + "' names no agent or pipeline"});
    }
    path.erase(name);
    return total;
  };
  for (auto& [name, def] : snap->pipelines) {
    std::set<std::string> path;
    def.total_steps = count_steps(name, path);
  }

  std::vector<ScriptProblem> real_errors;
  for (auto& e : errors) (e.warning ? snap->warnings : real_errors).push_back(e);
  errors = real_errors;
  for (const auto& e : errors)
    if (auto it = infos.find(e.file); it != infos.end()) it->second.problems.push_back(e);
  for (auto& [_, info] : infos) snap->files.push_back(std::move(info));
  snap->version = Poco::DigestEngine::digestToHex(version_hash.digest()).substr(0, 16);
  return errors.empty() ? snap : nullptr;
}

}  // namespace agentry::lua
