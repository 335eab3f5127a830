-- E7: sets, reps, effort and rest for every exercise.
local coaching = require("coaching")

local FIELDS = {
  { "prescriptions", "list, one per session: { day, exercises: list of { name, sets, reps (e.g. \"6-8\"), rir, rest_s, tempo } } for week 1" },
  { "weekly_volume", "object: hard sets per week per muscle group as programmed, to compare with the set budget" },
  { "intensity_guidance", "how the client judges effort (reps in reserve explained in plain words) and picks a starting weight" },
  { "warm_up", "a 5-8 minute general warm-up plus ramp-up sets for the main lift" },
}

local TASK = [[
Prescribe week 1 of the block: sets, rep ranges, effort as reps in reserve (RIR), rest
and tempo for every selected exercise. Main lifts get lower reps and longer rests (2-3 min),
accessories higher reps and shorter rests (60-90 s). The total weekly sets per muscle group
must stay within the capacity budget, and every session must fit the available minutes
including the warm-up.]]

local PROMPT = coaching.client_card .. [[

TRAINING CAPACITY (set budget, intensity ceiling)
{{capacity}}

PERIODISATION (week 1 targets)
{{periodisation}}

EXERCISE SELECTION
{{exercises}}

Write the prescriptions.]]

return agent {
  name = "E7", title = "Volume and intensity", phase = "training",
  model = "gpt-4o-mini", temperature = 0.2, max_tokens = 2500,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    return coaching.ask("coach", TASK, FIELDS, PROMPT, {
      client = input, capacity = out.E3, periodisation = out.E4, exercises = out.E6,
    })
  end,
}
