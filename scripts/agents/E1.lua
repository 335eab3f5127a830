-- E1: read the intake form like a coach at a first consultation.
local coaching = require("coaching")

local FIELDS = {
  { "profile", "3-5 sentences: who the client is, what they want and what their week looks like" },
  { "training_age", "one of \"novice\", \"early intermediate\", \"intermediate\", \"advanced\", with one sentence of evidence from their history" },
  { "constraints", "list of practical limits: time, days, equipment, injuries, recovery (sleep, stress, job)" },
  { "risk_flags", "list of anything needing medical clearance or caution; empty list if none" },
}

local TASK = [[
Analyse a new client's intake form before any programming is done. Classify their
training age from what they have actually done (not from how long they have had a gym
membership), list every constraint that will shape the programme and flag anything that
needs medical clearance or extra caution.]]

local PROMPT = coaching.client_card .. [[

Additional notes from the client: {{client.notes}}

Write the profile analysis.]]

return agent {
  name = "E1", title = "Client profile analysis", phase = "training",
  model = "gpt-4o-mini", temperature = 0.2, max_tokens = 1200,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    return coaching.ask("coach", TASK, FIELDS, PROMPT, { client = input })
  end,
}
