-- N4: how many meals, when, and how the targets spread over them.
local coaching = require("coaching")

local FIELDS = {
  { "meals", "list of { name, time, kcal, protein_g, purpose } that add up to the daily targets" },
  { "peri_workout", "what to eat before and after training, with timing in minutes/hours and grams" },
  { "rationale", "2-3 sentences: why this structure fits the client's day" },
}

local TASK = [[
Design the daily meal structure: number and timing of meals around the client's work and
training time, with the kcal and protein of each. Spread protein evenly (about 0.3-0.4 g/kg
per main meal, 3-5 feedings), put a carbohydrate-containing meal 1-3 hours before training
and a protein-rich meal within about two hours after it, and keep the structure realistic
for the cooking time the client has.]]

local PROMPT = coaching.client_card .. "\n" .. coaching.diet_card .. [[

MACRO TARGETS
{{macros}}

FOOD PREFERENCES AND RESTRICTIONS
{{foods}}

{{training_label}}
{{training}}

Design the meal structure.]]

return agent {
  name = "N4", title = "Meal structure", phase = "nutrition",
  model = "gpt-4o-mini", temperature = 0.3, max_tokens = 1200,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    local label = "TRAINING (client's own report)"
    if out.E9 then label = "TRAINING DAYS FROM THE COACH'S PLAN (time meals around these)" end
    return coaching.ask("dietitian", TASK, FIELDS, PROMPT, {
      client = input, macros = out.N2, foods = out.N3,
      training_label = label, training = coaching.training_context(out, input),
    })
  end,
}
