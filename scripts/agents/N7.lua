-- N7: how the client keeps doing it after week one.
local coaching = require("coaching")

local FIELDS = {
  { "habits", "list of 3-5 keystone habits, each one concrete and checkable daily" },
  { "obstacles", "list of { situation, plan } for the client's likely obstacles (late work, eating out, weekends, travel, cravings)" },
  { "monitoring", "what to track and how often: body weight (weekly average), waist, training performance, hunger, energy" },
  { "adjustment_rules", "list of if-then rules, e.g. \"if the weekly average weight has not changed for 2 weeks, remove 150 kcal from carbohydrate\"" },
}

local TASK = [[
Write the adherence strategy for this client's real life. Use their job, schedule,
cooking time, budget, alcohol and stress to predict where the plan will break, and give a
specific plan for each situation. Keep tracking light (no obsessive weighing of every
meal unless the client wants it), and give clear rules for adjusting the targets from the
weekly average weight so the client and coach know when to change anything.]]

local PROMPT = coaching.client_card .. "\n" .. coaching.diet_card .. [[

ENERGY TARGET
{{energy}}

MEAL STRUCTURE
{{structure}}

Additional notes from the client: {{client.notes}}

Write the adherence strategy.]]

return agent {
  name = "N7", title = "Adherence strategy", phase = "nutrition",
  model = "gpt-4o-mini", temperature = 0.4, max_tokens = 1200,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    return coaching.ask("dietitian", TASK, FIELDS, PROMPT, {
      client = input, energy = out.N1, structure = out.N4,
    })
  end,
}
