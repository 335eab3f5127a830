#include "runtime/lua/job_host.h"

#include <lua.hpp>

#include <algorithm>
#include <iterator>
#include <utility>

#include "runtime/log/log_context.h"

namespace agentry::lua {

using jobs::Event;
using jobs::now_ms;

namespace {
constexpr size_t kMaxEventName = 64;
}  // namespace

std::string truncated(std::string s, size_t limit) {
  if (s.size() <= limit) return s;
  s.resize(limit);
  return s + "…[truncated]";
}

// Forwards retry and capacity notices of a call running on another thread.
class JobHost::Listener final : public llm::CallListener {
 public:
  Listener(JobHost& host, std::string key) : host_(host), key_(std::move(key)) {}
  void on_retry(const llm::ChatRequest& r, int n, const std::string& reason, std::chrono::milliseconds d) override {
    host_.post_retry(key_, r.agent, n, reason, d);
  }
  void on_waiting(const llm::ChatRequest& r, const std::string& message) override {
    host_.post_waiting(r.agent, message);
  }

 private:
  JobHost& host_;
  std::string key_;
};

JobHost::JobHost(const ScriptSnapshot& snapshot, llm::LlmClient& llm, jobs::JobJournal& journal, JobControl& control,
                 const JobRequest& request, const RunOptions& options, Sandbox& sandbox)
    : snapshot_(snapshot),
      llm_(llm),
      journal_(journal),
      control_(control),
      request_(request),
      options_(options),
      sandbox_(sandbox),
      owner_thread_(std::this_thread::get_id()) {}

JobHost::~JobHost() {
  // Calls still in flight belong to an abandoned parallel.map or a stopped
  // job: stop them and wait, since they hold references into this host.
  finishing_ = true;
  for (auto& t : call_threads_)
    if (t.joinable()) t.join();
  sandbox_.set_agent_limits(nullptr);  // they die with this host
}

void JobHost::push_host_table(lua_State* L) {
  lua_newtable(L);
  lua_pushstring(L, request_.job_id.c_str());
  lua_setfield(L, -2, "job_id");
  lua_pushnumber(L, static_cast<double>(options_.limits.max_string_bytes));
  lua_setfield(L, -2, "max_string_bytes");
  register_job_primitives(L, this);
  register_llm_primitives(L, this);
  register_json_primitives(L);
  register_template_primitive(L);
}

void JobHost::raise(lua_State* L, const std::string& code, const std::string& message) {
  lua_createtable(L, 0, 2);
  lua_pushstring(L, code.c_str());
  lua_setfield(L, -2, "code");
  lua_pushstring(L, message.c_str());
  lua_setfield(L, -2, "message");
  if (error_metatable_ref >= 0) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, error_metatable_ref);
    lua_setmetatable(L, -2);
  }
  lua_error(L);
  std::abort();  // lua_error does not return
}

void JobHost::check_stopped(lua_State* L) {
  flush_posted();
  if (sandbox_.stop_reason() == StopReason::none) {
    const StopReason r = control_.reason();
    if (r != StopReason::none)
      sandbox_.request_stop(r);
    else if (sandbox_.agent_deadline_passed())
      sandbox_.note_agent_timeout();
    else
      return;
  }
  const StopReason r = sandbox_.stop_reason();
  const char* code = r == StopReason::cancelled                                   ? "cancelled"
                     : r == StopReason::timeout || r == StopReason::agent_timeout ? "timeout"
                     : r == StopReason::lease_lost                                ? "lease_lost"
                                                                                  : "script_error";
  raise(L, code, sandbox_.stop_message());
}

jobs::StepRecord& JobHost::open_step(const std::string& key, const std::string& agent) {
  auto& step = open_steps_[key];
  step = jobs::StepRecord{.key = key, .agent = agent, .attempts = 0, .started_at = now_ms()};
  return step;
}

jobs::StepRecord* JobHost::find_open_step(const std::string& key) {
  auto it = open_steps_.find(key);
  return it == open_steps_.end() ? nullptr : &it->second;
}

void JobHost::close_step(const std::string& key) {
  open_steps_.erase(key);
  raw_replies_.erase(key);
}

namespace {

// Deferred events first, then `events`: the order they happened in.
std::vector<Event> after_deferred(std::vector<Event>& deferred, std::vector<Event> events) {
  if (deferred.empty()) return events;
  std::vector<Event> all = std::move(deferred);
  deferred.clear();
  all.insert(all.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
  return all;
}

// How long the job thread may wait before deferred progress is due.
std::chrono::milliseconds until_deferred_due(const std::optional<std::chrono::steady_clock::time_point>& since,
                                             std::chrono::milliseconds at_most) {
  if (!since) return at_most;
  // Rounded up, so the wait ends when the write is due, not just before it.
  return std::clamp(
      std::chrono::ceil<std::chrono::milliseconds>(*since + kDeferredProgressDelay - std::chrono::steady_clock::now()),
      std::chrono::milliseconds(0), at_most);
}

}  // namespace

void JobHost::set_progress(const jobs::Progress& p, std::vector<Event> events) {
  progress_ = p;
  deferred_since_.reset();
  auto all = after_deferred(deferred_events_, std::move(events));
  if (auto step = std::exchange(held_step_, std::nullopt))
    journal_.checkpoint(*step, progress_, totals_, all);
  else
    journal_.progress(progress_, totals_, all);
}

void JobHost::defer_progress(const jobs::Progress& p, std::vector<Event> events) {
  progress_ = p;
  if (!deferred_since_) deferred_since_ = std::chrono::steady_clock::now();
  deferred_events_.insert(deferred_events_.end(), std::make_move_iterator(events.begin()),
                          std::make_move_iterator(events.end()));
}

void JobHost::flush_deferred() {
  if (deferred_since_ || held_step_) set_progress(progress_, {});
}

void JobHost::flush_deferred_when_due() {
  if (deferred_failure_) return;
  if (!held_step_ && (!deferred_since_ || std::chrono::steady_clock::now() - *deferred_since_ < kDeferredProgressDelay))
    return;
  try {
    flush_deferred();
  } catch (const jobs::LeaseLost&) {
    deferred_failure_ = std::current_exception();
    control_.lease_lost();
  } catch (const std::exception&) {
    deferred_failure_ = std::current_exception();
  }
}

void JobHost::rethrow_deferred_failure() {
  if (auto failure = std::exchange(deferred_failure_, nullptr)) std::rethrow_exception(failure);
}

void JobHost::checkpoint(const jobs::StepRecord& step, const jobs::Progress& p, std::vector<Event> events) {
  write_held_step();  // a step of the same parallel.map that finished first: one step per write
  progress_ = p;
  deferred_since_.reset();  // deferred events now wait with the step
  deferred_events_.insert(deferred_events_.end(), std::make_move_iterator(events.begin()),
                          std::make_move_iterator(events.end()));
  held_step_ = step;
  if (!options_.hold_checkpoints) write_held_step();
  if (options_.on_step) options_.on_step(step);
}

void JobHost::write_held_step() {
  if (held_step_) set_progress(progress_, {});
}

std::optional<jobs::StepCheckpoint> JobHost::take_held_step() {
  if (!held_step_) return std::nullopt;
  jobs::StepCheckpoint taken{std::move(*held_step_), std::move(deferred_events_)};
  held_step_.reset();
  deferred_events_.clear();
  deferred_since_.reset();
  return taken;
}

void JobHost::log(std::string event, std::string details) {
  // Only the job's Lua thread logs, so the count needs no lock.
  if (++script_log_entries_ > kMaxScriptLogEntries + 1) return;
  Event entry = script_log_entries_ <= kMaxScriptLogEntries
                    ? Event{0, now_ms(), truncated(std::move(event), kMaxEventName),
                            truncated(std::move(details), kMaxMessageBytes)}
                    : Event{0, now_ms(), "log_truncated",
                            "more than " + std::to_string(kMaxScriptLogEntries) +
                                " job.log/print entries in this run; the rest are not stored"};
  if (deferred_since_ || held_step_)
    set_progress(progress_, {std::move(entry)});  // after the held step and deferred events, in one write
  else
    journal_.log(entry);
}

void JobHost::post_retry(const std::string& key, const std::string& agent, int n, const std::string& reason,
                         std::chrono::milliseconds delay) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s: retry %d in %.1f s after: ", agent.c_str(), n,
                static_cast<double>(delay.count()) / 1000.0);
  {
    std::lock_guard lock(mutex_);
    posted_.push_back({key, Event{0, now_ms(), "retry", buf + reason}, true, false});
  }
  wake_.notify_all();
}

void JobHost::post_waiting(const std::string& agent, const std::string& message) {
  {
    std::lock_guard lock(mutex_);
    posted_.push_back({"", Event{0, now_ms(), "waiting", agent + ": " + message}, false, true});
  }
  wake_.notify_all();
}

void JobHost::flush_posted() {
  if (std::this_thread::get_id() != owner_thread_) return;
  std::vector<Posted> posted;
  {
    std::lock_guard lock(mutex_);
    posted.swap(posted_);
  }
  for (auto& p : posted) {
    if (p.retry) {
      ++totals_.retry_count;
      if (auto* step = find_open_step(p.key)) ++step->retries;
      log(p.event.event, p.event.details);
    } else if (p.waiting) {
      jobs::Progress next = progress_;
      next.message = p.event.details;
      set_progress(next, {});
    }
  }
}

void JobHost::account_reply(const std::string& key, const llm::ChatReply& reply) {
  totals_.usage += reply.usage;
  if (auto* step = find_open_step(key)) {
    step->usage += reply.usage;
    step->attempts += std::max(1, reply.attempts);
  }
}

int JobHost::enter_agent_limits(const std::string& agent) {
  const AgentDef* def = snapshot_.find_agent(agent);
  if (!def || (!def->memory_bytes && !def->timeout_seconds)) return 0;
  const AgentLimits* outer = sandbox_.agent_limits();
  AgentLimits limits;
  limits.agent = agent;
  const size_t ceiling = outer ? outer->memory_cap : options_.limits.memory_bytes;
  limits.memory_cap = ceiling;
  if (def->memory_bytes) {
    limits.memory_declared = *def->memory_bytes;
    limits.memory_cap = std::min(ceiling, sandbox_.memory_used() + *def->memory_bytes);
  }
  limits.deadline = outer ? outer->deadline : std::chrono::steady_clock::time_point::max();
  if (def->timeout_seconds) {
    limits.timeout_seconds = *def->timeout_seconds;
    limits.deadline =
        std::min(limits.deadline, std::chrono::steady_clock::now() + std::chrono::seconds(*def->timeout_seconds));
  }
  agent_limits_.push_back(std::make_unique<AgentLimits>(std::move(limits)));
  return static_cast<int>(agent_limits_.size());
}

void JobHost::apply_agent_limits(int handle) {
  if (handle < 0 || handle > static_cast<int>(agent_limits_.size())) throw std::runtime_error("unknown agent limits");
  sandbox_.set_agent_limits(handle == 0 ? nullptr : agent_limits_[static_cast<size_t>(handle) - 1].get());
}

void JobHost::remember_raw_reply(const std::string& key, const std::string& raw) { raw_replies_[key] = raw; }

std::string JobHost::raw_reply_for(const std::string& key) const {
  auto it = raw_replies_.find(key);
  return it == raw_replies_.end() ? std::string{} : it->second;
}

bool JobHost::CallStop::stop_requested() const {
  if (on_job_thread_) host_.flush_deferred_when_due();
  const bool own_stop = on_job_thread_ ? static_cast<bool>(host_.deferred_failure_) : host_.finishing_.load();
  return own_stop || host_.control_.stop_requested() || host_.sandbox_.agent_deadline_passed();
}

std::chrono::milliseconds JobHost::CallStop::job_thread_wake_within(std::chrono::milliseconds at_most) const {
  return std::min(until_deferred_due(host_.deferred_since_, at_most), host_.sandbox_.until_agent_deadline());
}

bool JobHost::CallStop::wait_for(std::chrono::milliseconds d) const {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop_requested()) {
    // Rounded up: a 0.9 ms remainder must sleep, not return at once and spin.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    auto slice = std::min(left, std::chrono::milliseconds(50));
    if (on_job_thread_) slice = std::max(std::chrono::milliseconds(1), job_thread_wake_within(slice));
    host_.control_.wait_for(slice);
  }
  return false;
}

// Off the job thread, finishing_ and the agent deadline are not signalled:
// those callers keep the short default.
int JobHost::CallStop::wake_fd() const { return on_job_thread_ ? host_.control_.wake_fd() : -1; }

std::chrono::milliseconds JobHost::CallStop::recheck_within() const {
  return on_job_thread_ ? job_thread_wake_within(host_.control_.recheck_within()) : CallControl::recheck_within();
}

int JobHost::start_call(std::string key, llm::ChatRequest request) {
  auto call = std::make_shared<AsyncCall>();
  {
    std::lock_guard lock(mutex_);
    call->id = next_call_id_++;
    calls_[call->id] = call;
  }
  call->key = std::move(key);
  call->request = std::move(request);
  call_threads_.emplace_back([this, call] {
    const log::ScopedJobId log_context(request_.job_id);
    Listener listener(*this, call->key);
    try {
      call->reply = llm_.chat(call->request, call_stop_, listener);
    } catch (const llm::LlmError& e) {
      call->error = e;
    } catch (const std::exception& e) {
      call->failure = e.what();
    }
    {
      std::lock_guard lock(mutex_);
      call->done = true;
      finished_calls_.push_back(call->id);
    }
    wake_.notify_all();
  });
  return call->id;
}

int JobHost::wait_any_call(lua_State* L) {
  write_held_step();
  while (true) {
    flush_posted();
    {
      std::unique_lock lock(mutex_);
      if (!finished_calls_.empty()) {
        const int id = finished_calls_.front();
        finished_calls_.pop_front();
        return id;
      }
      if (calls_.empty()) throw std::runtime_error("no LLM call in flight");
      // Wake on a finished call or a posted notice; poll the stop state too.
      wake_.wait_for(lock, until_deferred_due(deferred_since_, std::chrono::milliseconds(50)),
                     [&] { return !finished_calls_.empty() || !posted_.empty(); });
    }
    flush_deferred_when_due();
    rethrow_deferred_failure();
    check_stopped(L);
  }
}

std::shared_ptr<JobHost::AsyncCall> JobHost::take_call(int id) {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(id);
  if (it == calls_.end() || !it->second->done) return nullptr;
  auto call = it->second;
  calls_.erase(it);
  return call;
}

}  // namespace agentry::lua
