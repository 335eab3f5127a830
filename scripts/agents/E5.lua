-- E5: which days train what.
local coaching = require("coaching")

local FIELDS = {
  { "split", "name of the split (e.g. upper/lower, full body A/B) in a few words" },
  { "schedule", "list of training days: { day (weekday), focus, duration_min, movement_patterns (list) }" },
  { "rest_days", "list of rest days with what the client may do on them (walks, mobility)" },
  { "rationale", "why this split fits the client's days, recovery and goals, 2-3 sentences" },
}

local TASK = [[
Choose the weekly split and place the sessions on the client's preferred days. Each
muscle group should be trained at least twice a week, hard lower-body days should not
fall on consecutive days, and every session must fit the available minutes. Name the
movement patterns each day covers (squat, hinge, lunge, horizontal push/pull, vertical
push/pull, carry, core).]]

local PROMPT = coaching.client_card .. [[

TRAINING CAPACITY
{{capacity}}

PERIODISATION
{{periodisation}}

Build the weekly split.]]

return agent {
  name = "E5", title = "Weekly split", phase = "training",
  model = "gpt-4o-mini", temperature = 0.3, max_tokens = 1200,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    return coaching.ask("coach", TASK, FIELDS, PROMPT, {
      client = input, capacity = out.E3, periodisation = out.E4,
    })
  end,
}
