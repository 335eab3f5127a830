-- E8: how the client moves forward week to week, and when to back off.
local coaching = require("coaching")

local FIELDS = {
  { "progression_rules", "list of concrete rules, e.g. \"when you hit the top of the rep range on all sets at the target RIR, add 2.5 kg next session\"" },
  { "deload", "the deload week in numbers: sets, load and effort compared with week 3" },
  { "autoregulation", "list of rules for bad days, missed sessions, soreness and pain" },
  { "checkpoints", "list of { week, test } to measure progress against the SMART goals" },
}

local TASK = [[
Write the progression and deload rules for the block so the client knows exactly what
to change each session without a coach present. Use double progression for accessories
and small load jumps for main lifts (2.5 kg lower body, 1-2 kg upper body or the next
dumbbell). Include what to do after a missed week, on a poor-sleep day and if an injured
area hurts, and schedule checkpoints that test the SMART goals.]]

local PROMPT = coaching.client_card .. [[

GOALS
{{goals}}

PERIODISATION
{{periodisation}}

WEEK 1 PRESCRIPTIONS
{{prescriptions}}

Write the progression and deload rules.]]

return agent {
  name = "E8", title = "Progression and deloads", phase = "training",
  model = "gpt-4o-mini", temperature = 0.2, max_tokens = 1500,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    return coaching.ask("coach", TASK, FIELDS, PROMPT, {
      client = input, goals = out.E2, periodisation = out.E4, prescriptions = out.E7,
    })
  end,
}
