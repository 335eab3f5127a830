// The engine's own costs, with no LLM latency and no database:
//  - creating a sandboxed job state from a snapshot (median µs),
//  - memory held by an idle job state (KiB),
//  - per-agent-step overhead: the `training` pipeline (9 agents) on a
//    zero-latency mock, minus an empty pipeline, per step (median µs),
//    on 1 and on 2 threads at once.
// Usage: bench_runtime [iterations]   (numbers go to docs/benchmarks.md)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "runtime/jobs/memory_journal.h"
#include "runtime/llm/mock_provider.h"
#include "runtime/lua/job_runner.h"
#include "runtime/lua/script_registry.h"

using namespace agentry;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// Median µs of one job of `pipeline`, each thread running `iterations` jobs.
double job_median(const lua::ScriptSnapshot& snap, const std::string& pipeline, const nlohmann::json& input,
                  int threads, int iterations) {
  llm::LlmClient client(std::make_shared<llm::MockProvider>());
  std::vector<std::vector<double>> samples(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < iterations; ++i) {
        jobs::MemoryJournal journal;
        lua::JobControl control;
        const auto start = Clock::now();
        auto out = lua::run_job(snap, client, journal, control, {"bench", pipeline, input, 1});
        samples[static_cast<size_t>(t)].push_back(micros(Clock::now() - start));
        if (out.status != jobs::JobStatus::completed) {
          std::fprintf(stderr, "job failed: %s\n", out.error ? out.error->message.c_str() : "?");
          std::exit(1);
        }
      }
    });
  for (auto& th : pool) th.join();
  std::vector<double> all;
  for (auto& s : samples) all.insert(all.end(), s.begin(), s.end());
  return median(all);
}

}  // namespace

// Ten agents that each make one small JSON call: the engine's own work per
// step (state, run_agent, llm.chat binding, checkpoint, progress) without
// the cost of big prompts and replies.
std::filesystem::path write_synthetic_scripts() {
  auto dir = std::filesystem::temp_directory_path() / "agentry-bench-scripts";
  std::filesystem::create_directories(dir / "agents");
  std::filesystem::create_directories(dir / "pipelines");
  std::string steps;
  for (int i = 1; i <= 10; ++i) {
    const std::string name = "S" + std::to_string(i);
    std::ofstream(dir / "agents" / (name + ".lua"))
        << "return agent { name = '" << name << "', output = { required = { 'answer', 'notes' } },\n"
        << "  run = function(input, ctx)\n"
        << "    return llm.chat { system = 'You are terse.', messages = { { role = 'user', content = "
        << "template('Goal: {{goal}}', input) } }, json = true }.json\n  end }\n";
    steps += (i > 1 ? ", '" : "'") + name + "'";
  }
  std::ofstream(dir / "pipelines" / "ten.lua") << "return pipeline { name = 'ten', steps = { " << steps << " } }\n";
  std::ofstream(dir / "pipelines" / "zero.lua") << "return pipeline { name = 'zero', run = function() return {} end }\n";
  return dir;
}

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 300;
  std::vector<lua::ScriptProblem> errors;
  auto snap = lua::load_scripts(std::filesystem::path(AGENTRY_SOURCE_DIR) / "scripts", errors);
  if (!snap) {
    std::fprintf(stderr, "scripts did not load\n");
    return 1;
  }
  nlohmann::json client = nlohmann::json::parse(std::ifstream(std::filesystem::path(AGENTRY_SOURCE_DIR) / "examples/client.json"));

  std::vector<double> create;
  size_t bytes = 0;
  for (int i = 0; i < iterations * 3; ++i) {
    const auto start = Clock::now();
    bytes = lua::create_idle_state(*snap);
    create.push_back(micros(Clock::now() - start));
  }
  std::printf("job state creation: median %.1f us (%d samples)\n", median(create), iterations * 3);
  std::printf("idle job state memory: %.1f KiB\n", static_cast<double>(bytes) / 1024.0);

  // An empty pipeline is the fixed cost of a job; the rest of a 10-agent job
  // is what the engine spends per step.
  auto synthetic = lua::load_scripts(write_synthetic_scripts(), errors);
  if (!synthetic) {
    std::fprintf(stderr, "synthetic scripts did not load: %s\n", errors.empty() ? "?" : errors[0].to_string().c_str());
    return 1;
  }
  const nlohmann::json goal{{"goal", "strength"}};
  for (int threads : {1, 2}) {
    const double ten = job_median(*synthetic, "ten", goal, threads, iterations);
    const double zero = job_median(*synthetic, "zero", goal, threads, iterations);
    const double training = job_median(*snap, "training", client, threads, iterations / 4 + 1);
    std::printf("threads=%d: per-step overhead %.1f us (10-agent job %.1f us, empty job %.1f us); "
                "shipped training pipeline (9 agents, big prompts and fixtures) %.1f us per job\n",
                threads, (ten - zero) / 10.0, ten, zero, training);
  }
  return 0;
}
