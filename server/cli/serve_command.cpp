// `agentry serve` (API + workers, or --no-workers), `agentry worker`
// (workers only) and `agentry migrate`: the long-running processes.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "runtime/jobs/store.h"
#include "runtime/lua/script_registry.h"
#include "runtime/lua/script_watcher.h"
#include "runtime/scheduler/scheduler.h"
#include "server/cli/args.h"
#include "server/cli/commands.h"
#include "server/cli/script_options.h"
#include "server/http/api_server.h"
#include "server/http/metrics.h"

namespace agentry::cli {

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

int int_option(Args& args, const std::string& flag, const char* env, int fallback) {
  if (auto v = args.integer(flag)) return *v;
  const std::string e = env_or(env, "");
  if (e.empty()) return fallback;
  try {
    return std::stoi(e);
  } catch (const std::exception&) {
    throw UsageError(std::string(env) + " must be a whole number, got '" + e + "'");
  }
}

// The database URL as users write it: "sqlite:agentry.db" or "mysql://...".
std::string database_url(Args& args) { return args.value("db").value_or(env_or("AGENTRY_DB", "sqlite:agentry.db")); }

std::string hostname() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

std::filesystem::path web_root(Args& args) {
  if (auto dir = args.value("web-root")) return *dir;
  if (std::filesystem::is_directory("server/web")) return "server/web";
  return std::filesystem::path(AGENTRY_SOURCE_DIR) / "server" / "web";
}

// An integer option refused by name below `least`.
int option_at_least(Args& args, const std::string& flag, const char* env, int fallback, int least) {
  const int v = int_option(args, flag, env, fallback);
  if (v < least)
    throw UsageError("--" + flag +
                     (least == 0 ? " must not be negative" : " must be at least " + std::to_string(least)));
  return v;
}

scheduler::SchedulerOptions scheduler_options(Args& args) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  scheduler::SchedulerOptions o;
  o.max_running = option_at_least(args, "max-running", "AGENTRY_MAX_RUNNING", 2, 1);
  o.worker_threads = option_at_least(args, "worker-threads", "AGENTRY_WORKER_THREADS", 0, 0);
  o.job_timeout = seconds(option_at_least(args, "job-timeout", "AGENTRY_JOB_TIMEOUT", 30 * 60, 1));
  o.lease = seconds(option_at_least(args, "lease", "AGENTRY_LEASE", 60, 2));
  o.heartbeat = seconds(option_at_least(args, "heartbeat", "AGENTRY_HEARTBEAT", 10, 1));
  o.max_attempts = option_at_least(args, "max-attempts", "AGENTRY_MAX_ATTEMPTS", 3, 1);
  o.finished_ttl = std::chrono::hours(24) * option_at_least(args, "ttl-days", "AGENTRY_TTL_DAYS", 7, 1);
  o.poll_interval = milliseconds(option_at_least(args, "poll-ms", "AGENTRY_POLL_MS", 500, 1));
  o.shutdown_grace = seconds(option_at_least(args, "shutdown-grace", "AGENTRY_SHUTDOWN_GRACE", 20, 0));
  if (o.heartbeat >= o.lease) throw UsageError("--heartbeat must be shorter than --lease");
  return o;
}

jobs::StoreOptions store_options(Args& args) {
  jobs::StoreOptions options;
  options.url = database_url(args);
  // Every process of a cluster holds up to this many MySQL connections, so
  // operators size it against the server's max_connections.
  options.pool_size = option_at_least(args, "db-connections", "AGENTRY_DB_CONNECTIONS", options.pool_size, 1);
  options.queue_ranks_max_age =
      std::chrono::milliseconds(option_at_least(args, "queue-ranks-ms", "AGENTRY_QUEUE_RANKS_MS", 100, 0));
  return options;
}

std::unique_ptr<jobs::JobStore> open_store(const jobs::StoreOptions& options) {
  auto store = jobs::JobStore::open(options);
  spdlog::info("database: {} ({})", store->backend(), store->backend() == "sqlite" ? options.url : "shared");
  return store;
}

bool is_loopback(const std::string& bind) { return bind == "localhost" || bind == "::1" || bind.rfind("127.", 0) == 0; }

// API tokens from --tokens FILE or AGENTRY_TOKENS_FILE. Without any, auth is
// off, so the API must not be reachable from other hosts: a non-loopback
// --bind is replaced by 127.0.0.1, loudly.
void configure_auth(Args& args, server::ApiOptions& api) {
  const std::string file = args.value("tokens").value_or(env_or("AGENTRY_TOKENS_FILE", ""));
  if (!file.empty()) {
    try {
      api.tokens = server::TokenSet::load(file);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    if (!api.tokens.enabled()) throw UsageError("the tokens file " + file + " lists no tokens");
    return;
  }
  if (!is_loopback(api.bind)) {
    spdlog::warn("auth off: listening on 127.0.0.1 only, not {}; pass --tokens FILE to serve other hosts", api.bind);
    api.bind = "127.0.0.1";
  }
}

// Blocks SIGINT/SIGTERM in every thread started after this, so the main
// thread can wait for them and shut down in order.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

int migrate_command(int argc, char** argv) {
  Args args(argc, argv, 2, {});
  jobs::StoreOptions options;
  options.url = database_url(args);
  args.reject_unread();
  // Opening migrates (under a lock, so concurrent starts are safe).
  auto store = open_store(options);
  std::printf("database %s is up to date\n", store->backend().c_str());
  return 0;
}

int serve_command(int argc, char** argv) {
  const bool worker_only = std::string(argv[1]) == "worker";
  Args args(argc, argv, 2, {"no-workers"});
  const bool run_workers = !args.flag("no-workers");
  const bool run_api = !worker_only;
  if (worker_only && !run_workers) throw UsageError("agentry worker --no-workers would do nothing");
  const auto store_opts = store_options(args);
  const auto scripts = scripts_directory(args);
  auto sched_options = scheduler_options(args);
  server::ApiOptions api;
  api.port = int_option(args, "port", "AGENTRY_PORT", 8080);
  if (api.port < 0 || api.port > 65535) throw UsageError("--port must be 0..65535, got " + std::to_string(api.port));
  api.bind = args.value("bind").value_or(env_or("AGENTRY_BIND", "127.0.0.1"));
  if (auto origins = args.value("cors-origin").value_or(env_or("AGENTRY_CORS_ORIGINS", "")); !origins.empty()) {
    size_t start = 0;
    while (start <= origins.size()) {
      const size_t comma = origins.find(',', start);
      api.cors_origins.push_back(origins.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  api.web_root = web_root(args);
  const int document_cache_mb = option_at_least(args, "document-cache-mb", "AGENTRY_DOCUMENT_CACHE_MB", 64, 0);
  api.job_document_bytes = static_cast<size_t>(document_cache_mb) << 20;
  api.max_connections_per_ip =
      option_at_least(args, "max-connections-per-ip", "AGENTRY_MAX_CONNECTIONS_PER_IP", api.max_connections_per_ip, 1);
  configure_auth(args, api);
  const std::string worker_name =
      args.value("worker-id").value_or(worker_only ? "worker-" + std::to_string(getpid()) : std::to_string(api.port));
  sched_options.worker_id = hostname() + ":" + worker_name;
  sched_options.on_job_finished = [](const std::string& pipeline, const std::string& status, double seconds) {
    server::metrics().observe_job_duration(pipeline, status, seconds);
  };
  sched_options.run.on_step = [](const jobs::StepRecord& step) {
    server::metrics().observe_step_duration(step.agent,
                                            static_cast<double>((step.finished_at - step.started_at).count()) / 1000.0);
  };
  const auto llm = llm_config(args);
  args.reject_unread();

  const sigset_t stop_signals = block_stop_signals();
  auto store = open_store(store_opts);
  lua::ScriptRegistry registry(scripts);
  auto loaded = registry.reload();
  if (!registry.current()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    std::fprintf(stderr, "agentry: no valid scripts in %s; fix the errors above\n", scripts.c_str());
    return 1;
  }
  lua::ScriptWatcher watcher(registry);
  spdlog::info("scripts: {} (version {}, hot reload on)", scripts.string(), registry.current()->version);

  std::unique_ptr<scheduler::Scheduler> sched;
  if (run_workers) {
    auto client = llm::make_llm_client(llm);
    spdlog::info("{}", llm.describe());
    sched = std::make_unique<scheduler::Scheduler>(sched_options, *store, registry, client);
  }
  std::atomic<bool> accepting{true};
  std::unique_ptr<server::ApiServer> server;
  if (run_api) {
    server = std::make_unique<server::ApiServer>(
        api, server::ApiServices{*store, registry, sched.get(), [&accepting] { return accepting.load(); }, nullptr});
    server->start();
    spdlog::info("listening on http://{}:{} ({})", api.bind, server->port(),
                 run_workers ? "API and workers" : "API only");
    if (api.tokens.enabled())
      spdlog::info("auth on: {} API tokens", api.tokens.size());
    else
      spdlog::info("auth off: every caller may do everything; listening on {} only", api.bind);
  }
  // Workers start only once the port is ours: a second `serve` on a busy
  // port (same default worker id) must not touch the first one's leases.
  if (sched) sched->start();

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("{}: draining (new jobs get 503, running jobs get {} s to finish)", sig == SIGINT ? "SIGINT" : "SIGTERM",
               std::chrono::duration_cast<std::chrono::seconds>(sched_options.shutdown_grace).count());
  accepting = false;
  if (sched) sched->shutdown();
  if (server) server->stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace agentry::cli
