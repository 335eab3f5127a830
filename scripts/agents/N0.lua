-- N0: screen the intake before any numbers are set.
local coaching = require("coaching")

local FIELDS = {
  { "screening", "3-5 sentences: the client's situation from a dietitian's point of view (goal, body size, lifestyle, current eating)" },
  { "red_flags", "list of findings that need a doctor or extra care (medical conditions, medications with food interactions, signs of disordered eating, pregnancy); empty list if none" },
  { "referral", "\"not needed\", or who the client must see before a calorie deficit starts and why" },
  { "data_gaps", "list of information that is missing and the assumption used instead" },
}

local TASK = [[
Screen a new client's intake form before a nutrition plan is written. Check medical
conditions, medications, allergies, alcohol, sleep and stress for anything that changes
what is safe to recommend, and look for signs of disordered eating in the goal and notes
(very fast weight-loss targets, fear of foods, compensating for meals with exercise).
Do not set any targets yet.]]

local PROMPT = coaching.client_card .. "\n" .. coaching.diet_card .. [[

Additional notes from the client: {{client.notes}}

Screen the intake.]]

return agent {
  name = "N0", title = "Intake screening", phase = "nutrition",
  model = "gpt-4o-mini", temperature = 0.1, max_tokens = 1000,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    return coaching.ask("dietitian", TASK, FIELDS, PROMPT, { client = input })
  end,
}
