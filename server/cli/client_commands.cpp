// The CLI client of a running server: submit, jobs, job, cancel, watch.
// Progress comes from polling the job document (twice a second): simple,
// and it works through any proxy that would buffer an event stream.
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "runtime/jobs/job.h"
#include "server/cli/api_client.h"
#include "server/cli/args.h"
#include "server/cli/commands.h"
#include "server/cli/progress_printer.h"

namespace agentry::cli {

namespace {

// The API token: the first line of --token-file FILE, else AGENTRY_TOKEN, else
// none. Read from a file or the environment, never from the command line,
// where other users could see it in the process list; never printed.
std::string token_from(Args& args) {
  if (const auto file = args.value("token-file")) {
    std::ifstream in(*file);
    std::string token;
    if (!in || !std::getline(in, token)) throw UsageError("cannot read a token from --token-file " + *file);
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
    if (token.empty()) throw UsageError("--token-file " + *file + " starts with an empty line");
    return token;
  }
  const char* env_token = std::getenv("AGENTRY_TOKEN");
  return env_token ? env_token : "";
}

ApiClient client_from(Args& args) {
  const char* env_server = std::getenv("AGENTRY_SERVER");
  return ApiClient(args.value("server").value_or(env_server && *env_server ? env_server : "http://127.0.0.1:8080"),
                   token_from(args));
}

int exit_code_for(const std::string& status) {
  if (status == "completed") return 0;
  if (status == "cancelled") return 130;
  return 1;
}

// Follows a job until it finishes; returns the final status.
std::string watch_job(const ApiClient& api, const std::string& id) {
  ProgressPrinter printer(stderr, ProgressPrinter::is_tty(stderr));
  size_t seen = 0;
  int agents_done = 0;
  std::string last_status;
  while (true) {
    const auto job = api.get("/api/v1/jobs/" + id);
    jobs::Progress progress;
    if (job.contains("progress") && job["progress"].is_object()) progress = job["progress"].get<jobs::Progress>();
    const auto& log = job.value("execution_log", nlohmann::json::array());
    // Each line shows the count as of its own event, not of this poll.
    for (size_t i = seen; i < log.size(); ++i) {
      jobs::Event e{0, {}, log[i].value("event", ""), log[i].value("details", "")};
      jobs::Progress at = progress;
      if (e.event == "agent_completed") {
        at.completed_steps = ++agents_done;
        if (at.total_steps > 0) at.percentage = 100.0 * agents_done / at.total_steps;
      }
      printer.update(at, {e});
    }
    seen = log.size();
    const std::string status = job.value("status", "");
    if (status == "queued" && !job["queue_position"].is_null())
      progress.message = "queued, position " + std::to_string(job["queue_position"].get<int64_t>());
    if (status != last_status) printer.update(progress, {});
    last_status = status;
    if (status == "completed" || status == "failed" || status == "cancelled") {
      std::string line = id + ": " + status;
      if (job.contains("error") && job["error"].is_object())
        line += " (" + job["error"].value("reason", "") + ": " + job["error"].value("message", "") + ")";
      printer.finish(line);
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

std::string read_text(const std::string& path) {
  if (path == "-") return {std::istreambuf_iterator<char>(std::cin), {}};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read input file '" + path + "'");
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

int client_command(int argc, char** argv) {
  const std::string command = argv[1];
  Args args(argc, argv, 2, {"watch", "json"});
  ApiClient api = client_from(args);
  const auto& pos = args.positionals();

  if (command == "submit") {
    if (pos.size() != 1) throw UsageError("usage: agentry submit PIPELINE --input FILE [--server URL] [--watch]");
    auto input = nlohmann::json::parse(read_text(args.value_or("input", "-")), nullptr, false);
    if (input.is_discarded() || !input.is_object()) throw UsageError("the input must be a JSON object");
    nlohmann::json body{{"pipeline", pos[0]}, {"input", input}};
    if (auto p = args.integer("priority")) body["priority"] = *p;
    if (auto key = args.value("idempotency-key")) body["idempotency_key"] = *key;
    const bool watch = args.flag("watch");
    args.reject_unread();
    const auto created = api.post("/api/v1/jobs", body);
    const std::string id = created.value("job_id", "");
    std::cout << id << "\n" << std::flush;
    return watch ? exit_code_for(watch_job(api, id)) : 0;
  }
  if (command == "watch") {
    if (pos.size() != 1) throw UsageError("usage: agentry watch ID");
    args.reject_unread();
    return exit_code_for(watch_job(api, pos[0]));
  }
  if (command == "jobs") {
    if (!pos.empty()) throw UsageError("usage: agentry jobs [--status S] [--pipeline P] [--limit N] [--json]");
    std::string path = "/api/v1/jobs?limit=" + std::to_string(args.integer("limit").value_or(20));
    if (auto s = args.value("status")) path += "&status=" + *s;
    if (auto p = args.value("pipeline")) path += "&pipeline=" + *p;
    const bool json = args.flag("json");
    args.reject_unread();
    const auto page = api.get(path);
    if (json) {
      std::cout << page.dump(2) << "\n";
      return 0;
    }
    std::printf("%-32s  %-20s  %-9s  %6s  %s\n", "ID", "PIPELINE", "STATUS", "DONE", "CREATED");
    for (const auto& j : page.value("jobs", nlohmann::json::array()))
      std::printf("%-32s  %-20s  %-9s  %5.1f%%  %s\n", j.value("id", "").c_str(), j.value("pipeline", "").c_str(),
                  j.value("status", "").c_str(), j["progress"].value("percentage", 0.0),
                  j.value("created_at", "").c_str());
    return 0;
  }
  if (command == "job") {
    if (pos.size() != 1) throw UsageError("usage: agentry job ID [--json]");
    const bool json = args.flag("json");
    args.reject_unread();
    const auto job = api.get("/api/v1/jobs/" + pos[0]);
    if (json) {
      std::cout << job.dump(2) << "\n";
      return 0;
    }
    const auto& p = job["progress"];
    std::printf("%s  %s  %s\n", job.value("id", "").c_str(), job.value("pipeline", "").c_str(),
                job.value("status", "").c_str());
    std::printf("progress  %.1f%%  %d/%d  %s\n", p.value("percentage", 0.0), p.value("completed_steps", 0),
                p.value("total_steps", 0), p.value("message", "").c_str());
    if (job["error"].is_object())
      std::printf("error     %s: %s\n", job["error"].value("reason", "").c_str(),
                  job["error"].value("message", "").c_str());
    const auto& u = job["usage"];
    std::printf("usage     %lld LLM calls, %lld prompt + %lld completion tokens, %d retries\n",
                static_cast<long long>(u.value("llm_calls", 0)), static_cast<long long>(u.value("prompt_tokens", 0)),
                static_cast<long long>(u.value("completion_tokens", 0)), job.value("retry_count", 0));
    for (const auto& e : job.value("execution_log", nlohmann::json::array()))
      std::printf("  %s  %-16s %s\n", e.value("timestamp", "").c_str(), e.value("event", "").c_str(),
                  e.value("details", "").c_str());
    return 0;
  }
  if (command == "cancel") {
    if (pos.size() != 1) throw UsageError("usage: agentry cancel ID");
    args.reject_unread();
    const auto job = api.post("/api/v1/jobs/" + pos[0] + "/cancel", nlohmann::json::object());
    std::printf("%s: %s\n", pos[0].c_str(), job.value("status", "cancelled").c_str());
    return 0;
  }
  throw UsageError("unknown client command " + command);
}

}  // namespace agentry::cli
