-- Trusted Lua run first in every job state. It builds the sandbox that agent
-- and pipeline scripts see, and implements the parts of the Lua API that are
-- easier to read in Lua than in C: run_agent, pipelines, parallel.map, retry.
-- Everything a script can reach is listed in `sandbox` below.
--
-- `host` holds the C++ primitives (runtime/lua/job_host.cpp). Scripts never
-- see it, nor this file's globals: each script file runs in an environment of
-- its own whose fallback is the read-only `sandbox` table.
local host = ...

local assert, error, ipairs, next, pairs, pcall, xpcall, select, tonumber, tostring, type, unpack, setmetatable, getmetatable, rawget, rawequal, setfenv =
  assert, error, ipairs, next, pairs, pcall, xpcall, select, tonumber, tostring, type, unpack, setmetatable, getmetatable, rawget, rawequal, setfenv
local string, table, math, bit, coroutine, os = string, table, math, bit, coroutine, os
local loadstring = loadstring

-- ---------------------------------------------------------------------------
-- Library hardening

-- Strings reach the real string table through their metatable; make that
-- table safe instead of handing out a copy.
local string_rep = string.rep
local max_string = host.max_string_bytes
string.dump = nil
string.rep = function(s, n, sep)
  s = tostring(s)
  n = tonumber(n) or 0
  local size = #s * n + (sep and #tostring(sep) * n or 0)
  if size > max_string then
    error(("string.rep: result of %d bytes exceeds the %d byte limit"):format(size, max_string), 2)
  end
  return string_rep(s, n, sep)
end
getmetatable("").__metatable = false

local function readonly(name, t)
  return setmetatable({}, {
    __index = t,
    __newindex = function() error("attempt to modify read-only table '" .. name .. "'", 2) end,
    __metatable = false,
  })
end

-- A stopped job (cancelled, timed out, over a limit) must stay stopped even if
-- the script catches the error: protected calls re-raise it.
local function rethrow_if_stopped(ok, ...)
  if not ok and host.stopped() then error(host.stop_message(), 0) end
  return ok, ...
end
local function safe_pcall(f, ...) return rethrow_if_stopped(pcall(f, ...)) end
local function safe_xpcall(f, handler, ...)
  return rethrow_if_stopped(xpcall(f, handler, ...))
end
local safe_coroutine = {
  create = coroutine.create, running = coroutine.running, status = coroutine.status,
  yield = coroutine.yield,
  resume = function(co, ...) return rethrow_if_stopped(coroutine.resume(co, ...)) end,
  wrap = function(f)
    local co = coroutine.create(f)
    return function(...)
      local function pass(ok, ...)
        if not ok then error((...), 0) end
        return ...
      end
      return pass(rethrow_if_stopped(coroutine.resume(co, ...)))
    end
  end,
}

-- Text chunks only (no bytecode), running in a fresh sandbox environment.
local sandbox
local function safe_load(chunk, name)
  if type(chunk) ~= "string" then return nil, "load: only strings can be loaded here" end
  if chunk:byte(1) == 27 then return nil, "load: bytecode is not allowed" end
  local f, err = loadstring(chunk, "=" .. tostring(name or "load"))
  if not f then return nil, err end
  setfenv(f, setmetatable({}, { __index = sandbox, __metatable = false }))
  return f
end

-- ---------------------------------------------------------------------------
-- Errors raised by primitives are tables so a failure keeps its kind
-- (llm_error, script_error...) through pcall and rethrow.
local error_mt = {
  __tostring = function(e) return e.message end,
  __concat = function(a, b) return tostring(a) .. tostring(b) end,
}
host.set_error_metatable(error_mt)

-- ---------------------------------------------------------------------------
-- Step keys: every run_agent call gets a key that is the same on every run of
-- the same job, so a resumed job finds its checkpoints. A scope is a prefix
-- plus a counter; parallel.map gives each item its own scope.
local MAIN = {}
local scopes = setmetatable({}, { __mode = "k" })
local function current_scope()
  local co = coroutine.running() or MAIN
  local s = scopes[co]
  if not s then
    s = { prefix = "", counter = 0, step = nil, limits = 0 }
    scopes[co] = s
  end
  return s
end
local function next_key(scope)
  scope.counter = scope.counter + 1
  return scope.prefix .. string.format("%04d", scope.counter)
end

-- ---------------------------------------------------------------------------
-- Loading scripts from the snapshot

local function new_env()
  return setmetatable({}, { __index = sandbox, __metatable = false })
end

local function tag(kind)
  return function(def)
    if type(def) ~= "table" then error(kind .. " { ... } expects a table", 2) end
    def.__kind = kind
    return def
  end
end

local modules = {}
local function sandbox_require(name)
  if type(name) ~= "string" then error("require expects a module name", 2) end
  local cached = modules[name]
  if cached ~= nil then return cached end
  local chunk = host.load_chunk("module", name)
  setfenv(chunk, new_env())
  local value = chunk()
  if type(value) == "table" then value = readonly(name, value) end
  modules[name] = value == nil and true or value
  return modules[name]
end

local definitions = { agent = {}, pipeline = {} }
local function definition(kind, name)
  local def = definitions[kind][name]
  if def then return def end
  local chunk = host.load_chunk(kind, name)
  setfenv(chunk, new_env())
  def = chunk()
  if type(def) ~= "table" or def.__kind ~= kind then
    error(host.chunk_file(kind, name) .. ": the file must return " .. kind .. " { ... }", 0)
  end
  definitions[kind][name] = def
  return def
end

-- ---------------------------------------------------------------------------
-- Agents and pipelines

local outputs = {}     -- every completed agent's output by name (ctx.outputs)
local previous = nil   -- the last completed step's output (ctx.previous)
local last_key = nil   -- the step key of the last run_agent that returned
local progress = { completed = 0, total = 0 }

local function run_agent(name, agent_input)
  if type(name) ~= "string" then error("run_agent expects an agent name", 2) end
  local scope = current_scope()
  local key = next_key(scope)
  local saved = host.find_step(key, name)
  if saved ~= nil then
    outputs[name], previous, last_key = saved, saved, key
    progress.completed = progress.completed + 1
    host.step_replayed(key, name, progress.completed, progress.total)
    return saved
  end
  local def = definition("agent", name)
  if type(def.run) ~= "function" then error("agent " .. name .. " has no run function", 2) end
  local ctx = { outputs = outputs, previous = previous, job_id = host.job_id, agent = name }
  local outer_step, outer_limits = scope.step, scope.limits
  local outer_prefix, outer_counter = scope.prefix, scope.counter
  scope.step, scope.prefix, scope.counter = { key = key, agent = name }, key .. "/", 0
  host.step_started(key, name)
  -- The agent's own memory_mb / timeout hold while it runs (handle 0: none).
  local limits = host.enter_agent_limits(name)
  if limits ~= 0 then
    scope.limits = limits
    host.apply_agent_limits(limits)
  end
  local ok, out = pcall(def.run, agent_input, ctx)
  if limits ~= 0 then host.apply_agent_limits(outer_limits) end
  scope.step, scope.prefix, scope.counter, scope.limits = outer_step, outer_prefix, outer_counter, outer_limits
  if not ok then
    host.step_failed(key, name, out)
    error(out, 0)
  end
  progress.completed = progress.completed + 1
  host.step_completed(key, name, out, progress.completed, progress.total)
  outputs[name], previous, last_key = out, out, key
  return out
end

-- A step pipeline's result holds its steps' outputs, which the store keeps
-- already. made_of[result] says, for each entry, the key of the step whose
-- output it is, the made_of entry of a nested step pipeline's result, or
-- false (a function pipeline's value), so the store need not write the
-- result again (result_recipe). Scripts never see these result tables.
local made_of = setmetatable({}, { __mode = "k" })

local run_pipeline
local function run_steps(def, input)
  local result, parts = {}, {}
  for _, step in ipairs(def.steps) do
    if host.is_pipeline(step) then
      result[step] = run_pipeline(step, input)
      if result[step] ~= nil then parts[step] = made_of[result[step]] or false end
    else
      result[step] = run_agent(step, input)
      parts[step] = last_key
    end
  end
  made_of[result] = parts
  return result
end

-- { name = step key | nested recipe }, or nil when a part is not a step.
local function recipe_of(parts)
  local recipe = {}
  for name, part in pairs(parts) do
    if part == false then return nil end
    if type(part) == "table" then
      part = recipe_of(part)
      if part == nil then return nil end
    end
    recipe[name] = part
  end
  return next(recipe) ~= nil and recipe or nil
end

run_pipeline = function(name, input)
  local def = definition("pipeline", name)
  if def.steps then return run_steps(def, input) end
  local ctx = { job_id = host.job_id, outputs = outputs }
  return def.run(input, ctx)
end

-- ---------------------------------------------------------------------------
-- llm.chat and parallel.map: inside parallel.map every item runs in a
-- coroutine that yields at llm.chat while C++ makes the call, so calls
-- overlap while this state stays on one thread.

local WAIT = {}
local parallel_threads = setmetatable({}, { __mode = "k" })

local function chat(request)
  if type(request) ~= "table" then error("llm.chat expects a table", 2) end
  local step = current_scope().step
  local key, agent = step and step.key or "", step and step.agent or ""
  local co = coroutine.running()
  if co and parallel_threads[co] then
    local ok, reply = coroutine.yield(WAIT, host.llm_start(key, agent, request))
    if not ok then error(reply, 0) end
    return reply
  end
  return host.llm_call(key, agent, request)
end

local function parallel_map(items, fn, opts)
  if type(items) ~= "table" or type(fn) ~= "function" then
    error("parallel.map expects (items, function[, options])", 2)
  end
  local limit = math.max(1, tonumber(opts and opts.concurrency) or 8)
  local scope = current_scope()
  local base = next_key(scope) .. "/"
  local parent_step = scope.step
  local results, waiting = {}, {}
  local n, next_index, active = #items, 1, 0

  -- Items interleave: each runs under the limits of its own agent.
  local function advance(co, index, ...)
    host.apply_agent_limits(scopes[co].limits)
    local ok, a, b = coroutine.resume(co, ...)
    host.apply_agent_limits(scope.limits)
    if not ok then error(a, 0) end
    if coroutine.status(co) == "dead" then
      results[index] = a
      active = active - 1
    elseif a == WAIT then
      waiting[b] = { co = co, index = index }
    else
      error("parallel.map: an item yielded something other than an LLM call", 0)
    end
  end

  while next_index <= n or active > 0 do
    while active < limit and next_index <= n do
      local index = next_index
      next_index = next_index + 1
      active = active + 1
      local co = coroutine.create(function() return fn(items[index], index) end)
      parallel_threads[co] = true
      scopes[co] = { prefix = base .. string.format("%02d", index) .. "/", counter = 0, step = parent_step,
                     limits = scope.limits }
      advance(co, index)
    end
    if next(waiting) then
      local handle = host.llm_wait_any()
      local entry = waiting[handle]
      waiting[handle] = nil
      advance(entry.co, entry.index, pcall(host.llm_result, handle))
    elseif active > 0 and next_index > n then
      error("parallel.map: items are neither finished nor waiting", 0)
    end
  end
  return setmetatable(results, host.array_metatable)
end

-- retry(fn, { max = 3, base = 1 }): for a script's own flaky logic. LLM calls
-- already retry transient failures by themselves.
local function retry(fn, policy)
  policy = policy or {}
  local max, base = tonumber(policy.max) or 2, tonumber(policy.base) or 1
  local attempt = 0
  while true do
    local ok, a, b, c = safe_pcall(fn)
    if ok then return a, b, c end
    if attempt >= max then error(a, 0) end
    attempt = attempt + 1
    host.log("retry", "retry(" .. attempt .. "/" .. max .. "): " .. tostring(a))
    host.sleep(base * 2 ^ (attempt - 1))
  end
end

local function print_to_log(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
  host.log("print", table.concat(parts, "\t"))
end

-- ---------------------------------------------------------------------------
-- The sandbox: every name a script can see.

sandbox = readonly("_G", {
  _VERSION = _VERSION,
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs,
  pcall = safe_pcall, xpcall = safe_xpcall, select = select, tonumber = tonumber,
  tostring = tostring, type = type, unpack = unpack, setmetatable = setmetatable,
  getmetatable = getmetatable, rawget = rawget, rawequal = rawequal,
  load = safe_load, loadstring = safe_load, require = sandbox_require, print = print_to_log,
  string = readonly("string", string), table = readonly("table", table),
  math = readonly("math", math), bit = readonly("bit", bit),
  coroutine = readonly("coroutine", safe_coroutine),
  os = readonly("os", { time = os.time, clock = os.clock, date = os.date }),
  json = readonly("json", { encode = host.json_encode, decode = host.json_decode, null = host.json_null }),
  llm = readonly("llm", { chat = chat }),
  job = readonly("job", {
    id = host.job_id, progress = host.progress, log = host.log, cancelled = host.cancelled,
  }),
  parallel = readonly("parallel", { map = parallel_map }),
  template = host.template, run_agent = run_agent, retry = retry, sleep = host.sleep,
  agent = tag("agent"), pipeline = tag("pipeline"),
})

-- What the C++ runner calls.
return {
  run_pipeline = function(name, input, total_steps)
    progress.total = total_steps
    return run_pipeline(name, input)
  end,
  run_agent = function(name, input, total_steps)
    progress.total = total_steps
    return run_agent(name, input)
  end,
  definition = definition,
  -- What a pipeline's result is made of (JobResult::from_steps), or nil.
  result_recipe = function(result)
    local parts = made_of[result]
    return parts and recipe_of(parts)
  end,
}
