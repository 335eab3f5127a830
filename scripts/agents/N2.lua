-- N2: split the energy target into protein, carbohydrate, fat and fibre.
local coaching = require("coaching")

local FIELDS = {
  { "targets", "object with numbers: kcal, protein_g, carbs_g, fat_g, fibre_g, water_l" },
  { "training_day_adjustment", "how carbohydrate (and kcal) shift between training and rest days, in grams, or \"none\" with the reason" },
  { "rationale", "per macro, one sentence: grams per kg body weight and why" },
}

local TASK = [[
Set daily macronutrient targets from the energy target. Protein first: 1.6-2.2 g per kg
body weight in a deficit or when building muscle (use adjusted body weight if the client
has obesity), fat at least 0.7 g/kg (and at least 20 % of energy), carbohydrate fills the
rest. Fibre 25-35 g, water about 35 ml/kg plus 0.5 l per hour of training. The macros must
add up to the kcal target within 2 % (protein and carbohydrate 4 kcal/g, fat 9 kcal/g).]]

local PROMPT = coaching.client_card .. [[

ENERGY NEEDS
{{energy}}

{{training_label}}
{{training}}

Set the macro targets.]]

return agent {
  name = "N2", title = "Macro targets", phase = "nutrition",
  model = "gpt-4o-mini", temperature = 0.1, max_tokens = 1000,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    local label = "TRAINING (client's own report)"
    if out.E9 then label = "TRAINING FROM THE COACH'S PLAN" end
    return coaching.ask("dietitian", TASK, FIELDS, PROMPT, {
      client = input, energy = out.N1,
      training_label = label, training = coaching.training_context(out, input),
    })
  end,
}
