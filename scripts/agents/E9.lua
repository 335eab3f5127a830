-- E9: assemble everything into the plan the client receives.
local coaching = require("coaching")

local FIELDS = {
  { "title", "a short plan title with the client's first name and the block length" },
  { "summary", "4-6 sentences to the client: what this block does, how a week looks, what to expect" },
  { "weeks", "list with one object per week of the block: { week, theme, sessions: list of { day, focus, duration_min, exercises: list of { name, sets, reps, rest, notes } } }; every week complete, the deload week included" },
  { "progression", "list of the progression and deload rules in the client's words" },
  { "safety_notes", "list of injury, pain and medical notes the client must read before starting" },
}

local TASK = [[
Assemble the final training plan the client will follow, from the specialists' work
below. Write out every week of the block in full, with every session and every exercise
(no "same as week 1"): apply the periodisation and progression to each week's sets, reps
and effort, so week 3 is the hardest and the deload week is visibly lighter. Put the
effort target (RIR) and technique cues in "notes", and give rest as text (e.g. "2 min").
Keep the client's injuries and goals visible in the exercise notes where they matter.
The text is read by the client, so address them as "you".]]

local PROMPT = coaching.client_card .. [[

PROFILE ANALYSIS
{{E1}}

GOALS
{{E2}}

TRAINING CAPACITY
{{E3}}

PERIODISATION
{{E4}}

WEEKLY SPLIT
{{E5}}

EXERCISE SELECTION
{{E6}}

WEEK 1 PRESCRIPTIONS
{{E7}}

PROGRESSION AND DELOADS
{{E8}}

Assemble the complete plan.]]

return agent {
  name = "E9", title = "Final training plan", phase = "training",
  model = "gpt-4o-mini", temperature = 0.3, max_tokens = 8000, timeout = 180,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    local vars = { client = input }
    for _, name in ipairs({ "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8" }) do
      vars[name] = out[name]
    end
    local reply = llm.chat {
      system = coaching.system("coach", TASK, FIELDS),
      messages = { { role = "user", content = template(PROMPT, vars) } },
      json = true,
    }
    return reply.json
  end,
}
