// `agentry run`: one pipeline in this process, no server or database, with
// progress on stderr and the result (or the whole job document) on stdout.
// `agentry check`: validate the scripts directory.
#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include <spdlog/spdlog.h>

#include "runtime/jobs/memory_journal.h"
#include "runtime/lua/job_runner.h"
#include "runtime/lua/script_checks.h"
#include "runtime/lua/script_registry.h"
#include "runtime/lua/template_check.h"
#include "server/cli/args.h"
#include "server/cli/commands.h"
#include "server/cli/plan_outline.h"
#include "server/cli/progress_printer.h"
#include "server/cli/script_options.h"

namespace agentry::cli {

namespace {

nlohmann::json read_input(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("cannot read input file '" + path + "'");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto input = nlohmann::json::parse(text, nullptr, false);
  if (input.is_discarded()) throw UsageError("the input in '" + path + "' is not valid JSON");
  if (!input.is_object()) throw UsageError("the input must be a JSON object");
  return input;
}

// The part of a result a person wants to read: the last step of each step
// pipeline (the assembled plan), or all of a function pipeline's result.
nlohmann::ordered_json readable_part(const lua::ScriptSnapshot& snap, const std::string& pipeline,
                                     const nlohmann::json& result) {
  const auto* p = snap.find_pipeline(pipeline);
  if (!p || p->function_form || p->steps.empty() || !result.is_object()) return result;
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& step : p->steps)
    if (snap.find_pipeline(step) && result.contains(step)) out[step] = readable_part(snap, step, result[step]);
  if (out.empty() && result.contains(p->steps.back())) return result[p->steps.back()];
  return out;
}

// Ctrl-C cancels the job (it stops at its next primitive) instead of killing
// the process mid-write.
class InterruptCancels {
 public:
  explicit InterruptCancels(lua::JobControl& control) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    waiter_ = std::thread([this, set, &control] {
      int sig = 0;
      if (sigwait(&set, &sig) == 0 && !done_) control.cancel();
    });
  }
  ~InterruptCancels() {
    done_ = true;
    pthread_kill(waiter_.native_handle(), SIGINT);
    waiter_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread waiter_;
};

}  // namespace

int run_command(int argc, char** argv) {
  Args args(argc, argv, 2, {"json"});
  if (args.positionals().size() != 1)
    throw UsageError("usage: agentry run PIPELINE --input FILE|- [--scripts DIR] [--json]");
  const std::string pipeline = args.positionals()[0];
  const auto input_path = args.value("input");
  if (!input_path) throw UsageError("agentry run needs --input FILE (or - for stdin)");
  const bool json_output = args.flag("json");
  const auto scripts = scripts_directory(args);
  const auto config = llm_config(args);
  args.reject_unread();
  const nlohmann::json input = read_input(*input_path);

  std::vector<lua::ScriptProblem> errors;
  auto snapshot = lua::load_scripts(scripts, errors);
  if (!snapshot) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const auto* def = snapshot->find_pipeline(pipeline);
  if (!def) {
    std::string known;
    for (const auto& n : snapshot->pipeline_names()) known += (known.empty() ? "" : ", ") + n;
    throw UsageError("unknown pipeline '" + pipeline + "' (known: " + known + ")");
  }

  auto client = llm::make_llm_client(config);
  std::fprintf(stderr, "%s\n", config.describe().c_str());
  std::fprintf(stderr, "Running %s (%s, scripts %s)\n", pipeline.c_str(),
               def->function_form ? "function pipeline" : (std::to_string(def->total_steps) + " agents").c_str(),
               snapshot->version.c_str());

  ProgressPrinter printer(stderr, ProgressPrinter::is_tty(stderr));
  jobs::MemoryJournal journal([&](const jobs::Progress& p, const std::vector<jobs::Event>& events) {
    printer.update(p, events);
  });
  jobs::Job job;
  job.id = jobs::new_job_id();
  job.pipeline = pipeline;
  job.input = input;
  job.attempt = 1;
  job.script_version = snapshot->version;
  job.created_at = jobs::now_ms();
  job.started_at = job.created_at;
  journal.log({0, job.created_at, "created", "pipeline " + pipeline});
  journal.log({0, job.created_at, "started", "attempt 1"});

  const auto timeout = std::chrono::seconds(def->timeout_seconds.value_or(30 * 60));
  lua::JobControl control(std::chrono::steady_clock::now() + timeout);
  lua::JobOutcome outcome;
  {
    InterruptCancels interrupts(control);
    outcome = lua::run_job(*snapshot, *client, journal, control, {job.id, pipeline, input, 1});
  }
  job.completed_at = jobs::now_ms();
  job.status = outcome.status;
  job.progress = outcome.progress;
  job.result = outcome.result;
  job.error = outcome.error;
  job.usage = outcome.totals.usage;
  job.retry_count = outcome.totals.retry_count;
  if (job.status == jobs::JobStatus::completed)
    journal.log({0, *job.completed_at, "completed", std::to_string(job.progress.completed_steps) + " steps"});
  else if (job.error)
    journal.log({0, *job.completed_at, job.status == jobs::JobStatus::cancelled ? "cancelled" : "failed",
                 job.error->reason + ": " + job.error->message});
  job.execution_log = journal.events();

  const double seconds = static_cast<double>((*job.completed_at - job.created_at).count()) / 1000.0;
  char summary[256];
  std::snprintf(summary, sizeof summary, "%s in %.1f s: %d agents, %lld LLM calls, %lld tokens, %d retries",
                std::string(jobs::to_string(job.status)).c_str(), seconds, job.progress.completed_steps,
                static_cast<long long>(job.usage.llm_calls),
                static_cast<long long>(job.usage.prompt_tokens + job.usage.completion_tokens), job.retry_count);
  printer.finish(job.error ? std::string(summary) + "\n" + job.error->reason + ": " + job.error->message
                           : std::string(summary));

  if (json_output)
    std::cout << jobs::job_document(job).dump(2) << "\n";
  else if (job.status == jobs::JobStatus::completed)
    std::cout << outline(readable_part(*snapshot, pipeline, job.result));
  if (job.status == jobs::JobStatus::completed) return 0;
  return job.status == jobs::JobStatus::cancelled ? 130 : 1;
}

int check_command(int argc, char** argv) {
  Args args(argc, argv, 2, {});
  const auto scripts = scripts_directory(args);
  args.reject_unread();
  std::vector<lua::ScriptProblem> errors;
  auto snapshot = lua::load_scripts(scripts, errors);
  std::vector<lua::ScriptProblem> warnings;
  if (snapshot) {
    warnings = lua::check_scripts(*snapshot);
    for (auto& w : lua::check_template_variables(*snapshot, lua::examples_beside(scripts))) warnings.push_back(w);
  }
  for (const auto& e : errors) std::printf("%s\n", e.to_string().c_str());
  for (const auto& w : warnings) std::printf("%s\n", w.to_string().c_str());
  if (!snapshot) {
    std::printf("%zu error(s) in %s\n", errors.size(), scripts.c_str());
    return 1;
  }
  std::printf("ok: %zu agents, %zu pipelines, %zu warning(s), version %s\n", snapshot->agents.size(),
              snapshot->pipelines.size(), warnings.size(), snapshot->version.c_str());
  return 0;
}

}  // namespace agentry::cli
