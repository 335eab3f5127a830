// libFuzzer target: arbitrary Lua source through the script path of a job.
// The input is compiled in text mode like a file under scripts/ (bytecode is
// refused), as the body of a function pipeline, and run in the sandbox with
// small limits (4 MiB, 50 ms of Lua between primitives, 300 ms per job) and
// the offline mock LLM. Whatever the script does, the process must survive:
// the job ends completed or failed, never with a crash, a hang or a
// sanitizer report.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <lua.hpp>

#include "runtime/jobs/memory_journal.h"
#include "runtime/llm/mock_provider.h"
#include "runtime/lua/job_runner.h"

namespace {

int append_chunk(lua_State*, const void* data, size_t size, void* out) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return 0;
}

std::shared_ptr<const agentry::lua::CompiledChunk> compile(const std::string& file, const std::string& source) {
  std::unique_ptr<lua_State, void (*)(lua_State*)> L(luaL_newstate(), lua_close);
  const std::string name = "@" + file;
  if (luaL_loadbufferx(L.get(), source.data(), source.size(), name.c_str(), "t") != 0) return nullptr;
  auto chunk = std::make_shared<agentry::lua::CompiledChunk>();
  chunk->file = file;
  chunk->source = source;
  lua_dump(L.get(), append_chunk, &chunk->bytecode);
  return chunk;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace agentry;
  const std::string body(reinterpret_cast<const char*>(data), size);
  lua::ScriptSnapshot snap;
  auto& pipeline = snap.pipelines["fuzz"];
  pipeline.name = "fuzz";
  pipeline.function_form = true;
  pipeline.chunk = compile("pipelines/fuzz.lua",
                           "return pipeline { name = 'fuzz', run = function(input, ctx)\n" + body + "\nend }\n");
  if (!pipeline.chunk) return 0;  // a syntax error: the loader reports it
  // An agent the script may call, itself running the input.
  auto& agent = snap.agents["a"];
  agent.name = "a";
  agent.memory_bytes = 1u << 20;
  agent.chunk = compile("agents/a.lua", "return agent { name = 'a', run = function(input, ctx)\n" + body + "\nend }\n");
  if (!agent.chunk) return 0;

  lua::RunOptions options;
  options.limits.memory_bytes = 4u << 20;
  options.limits.cpu_slice = std::chrono::milliseconds(50);
  options.limits.max_string_bytes = 1u << 20;
  options.max_output_bytes = 1u << 20;
  static llm::LlmClient client(std::make_shared<llm::MockProvider>());
  jobs::MemoryJournal journal;
  lua::JobControl control(std::chrono::steady_clock::now() + std::chrono::milliseconds(300));
  const auto outcome =
      lua::run_job(snap, client, journal, control, {"fuzz-job", "fuzz", nlohmann::json{{"n", 1}}, 1}, options);
  if (outcome.status != jobs::JobStatus::completed && !outcome.error) __builtin_trap();
  return 0;
}
