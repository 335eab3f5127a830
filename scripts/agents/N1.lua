-- N1: how much energy the client needs, and the target for the goal.
local coaching = require("coaching")

local FIELDS = {
  { "bmr_kcal", "number: resting metabolic rate (Mifflin-St Jeor)" },
  { "tdee_kcal", "number: maintenance energy including job, steps and training" },
  { "target_kcal", "number: the daily energy target for the goal, within the safety limits" },
  { "method", "the formula, activity factor and adjustment used, with the arithmetic in one line" },
  { "rationale", "2-3 sentences: why this target, the expected rate of change per week, when to review it" },
}

local TASK = [[
Estimate the client's energy needs. Use Mifflin-St Jeor for the resting rate (men:
10 x kg + 6.25 x cm - 5 x age + 5; women: the same - 161), then an activity factor that
counts the job, daily steps and the training sessions separately (do not double count).
Set the target: for fat loss a deficit of 15-25 % (aim for 0.5-0.75 % of body weight per
week), for muscle gain a surplus of 5-10 %, for performance or health maintenance.
Respect the minimum intakes in the safety rules and any screening red flags.]]

local PROMPT = coaching.client_card .. [[

SCREENING
{{screening}}

{{training_label}}
{{training}}

Estimate the energy needs and the target.]]

return agent {
  name = "N1", title = "Energy needs", phase = "nutrition",
  model = "gpt-4o-mini", temperature = 0.1, max_tokens = 1000,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    local label = "TRAINING (client's own report)"
    if out.E9 then
      -- pipeline "full": the coach's plan sets the real training load
      label = "TRAINING LOAD FROM THE COACH'S PLAN (count these sessions, not the client's guess)"
    end
    return coaching.ask("dietitian", TASK, FIELDS, PROMPT, {
      client = input, screening = out.N0,
      training_label = label, training = coaching.training_context(out, input),
    })
  end,
}
