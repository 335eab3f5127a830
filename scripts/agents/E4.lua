-- E4: the shape of the training block over time.
local coaching = require("coaching")

local FIELDS = {
  { "model", "the periodisation model (e.g. linear, double progression with a deload, daily undulating) and why it suits this client" },
  { "block_length_weeks", "number of weeks in this block, including the deload week" },
  { "weeks", "list of week objects: { week (number), theme, volume (e.g. \"3 sets on main lifts\"), intensity (target RIR), notes }" },
  { "deload", "when and how the deload happens: volume and load reductions in numbers" },
  { "rationale", "2-3 sentences linking the block to the client's goals and recovery" },
}

local TASK = [[
Design the periodisation of the next training block (normally 4 weeks for novices and
early intermediates: 3 build weeks and 1 deload). Describe each week's theme, volume and
target effort (reps in reserve). Keep it simple enough for the client's training age,
and make the last week before the deload the hardest, never the first.]]

local PROMPT = coaching.client_card .. [[

GOALS
{{goals}}

TRAINING CAPACITY
{{capacity}}

Plan the block.]]

return agent {
  name = "E4", title = "Periodisation", phase = "training",
  model = "gpt-4o-mini", temperature = 0.2, max_tokens = 1500,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    return coaching.ask("coach", TASK, FIELDS, PROMPT, {
      client = input, goals = out.E2, capacity = out.E3,
    })
  end,
}
