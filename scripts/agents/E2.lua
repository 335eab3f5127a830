-- E2: turn the client's wish into goals a coach can programme and measure.
local coaching = require("coaching")

local FIELDS = {
  { "primary_goal", "the one goal this training block serves, in one sentence" },
  { "smart_goals", "list of 2-4 specific, measurable targets with a date, e.g. \"Goblet squat 24 kg x 8 by week 4\"" },
  { "priorities", "ordered list of what the programme optimises for, most important first" },
  { "limitations", "list of limits the goals must respect (from the profile), each with how the plan will handle it" },
}

local TASK = [[
Turn the client's stated goal into a primary goal for the next training block and a
few SMART targets that are realistic for their training age, schedule and constraints.
Rank the priorities so later steps know what to trade off (e.g. strength vs. fat loss vs.
a skill such as a first pull-up). If the goal is unrealistic for the date, say so and
propose the realistic version.]]

local PROMPT = coaching.client_card .. [[

PROFILE ANALYSIS (previous step)
{{profile}}

Define the goals and priorities.]]

return agent {
  name = "E2", title = "Goals and constraints", phase = "training",
  model = "gpt-4o-mini", temperature = 0.3, max_tokens = 1200,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    return coaching.ask("coach", TASK, FIELDS, PROMPT, { client = input, profile = out.E1 })
  end,
}
