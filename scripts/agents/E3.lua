-- E3: how much training this client can do and recover from.
local coaching = require("coaching")

local FIELDS = {
  { "sessions_per_week", "number of sessions to programme (never more than the client offered)" },
  { "session_minutes", "number: working length of one session including warm-up" },
  { "weekly_set_budget", "object: hard sets per week per muscle group (quads, hamstrings_glutes, chest, back, shoulders, arms, core), numbers" },
  { "recovery", "\"low\", \"moderate\" or \"high\", with the reasons (sleep, stress, job, age, training age)" },
  { "intensity_ceiling", "how hard sets may go for this client, as reps in reserve (RIR), and which lifts stay further from failure" },
}

local TASK = [[
Estimate this client's training capacity: how many sessions and how much weekly
volume they can do productively and recover from. Start from evidence-based volume
landmarks (about 8-12 hard sets per muscle per week for novices, up to 12-18 for
intermediates) and adjust for sleep, stress, job activity, age and the time available.
The set budget must fit into the sessions and minutes you give.]]

local PROMPT = coaching.client_card .. [[

PROFILE ANALYSIS
{{profile}}

GOALS
{{goals}}

Estimate the training capacity.]]

return agent {
  name = "E3", title = "Training capacity", phase = "training",
  model = "gpt-4o-mini", temperature = 0.2, max_tokens = 1200,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    return coaching.ask("coach", TASK, FIELDS, PROMPT, {
      client = input, profile = out.E1, goals = out.E2,
    })
  end,
}
