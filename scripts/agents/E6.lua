-- E6: the exercises for each session, chosen around equipment and injuries.
local coaching = require("coaching")

local FIELDS = {
  { "sessions", "list, one per training day of the split: { day, focus, exercises: list of { name, pattern, reason } } with 4-6 exercises, main lift first" },
  { "substitutions", "list of { exercise, alternative, when } for exercises the client may not tolerate or cannot access" },
  { "excluded", "list of { exercise, reason } the client should avoid for now" },
}

local TASK = [[
Select the exercises for every session of the split. Use only the client's equipment,
prefer stable, easy-to-learn compound lifts for novices, order each session from the most
demanding lift to accessories, and make the goal-specific skills (e.g. a first pull-up)
visible in the selection. Every injury listed must change the selection: exclude or
modify what aggravates it and give a pain-free alternative.]]

local PROMPT = coaching.client_card .. [[

PROFILE ANALYSIS (constraints and risk flags)
{{profile}}

GOALS
{{goals}}

WEEKLY SPLIT
{{split}}

Select the exercises.]]

return agent {
  name = "E6", title = "Exercise selection", phase = "training",
  model = "gpt-4o-mini", temperature = 0.3, max_tokens = 2000,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    return coaching.ask("coach", TASK, FIELDS, PROMPT, {
      client = input, profile = out.E1, goals = out.E2, split = out.E5,
    })
  end,
}
