-- N5: the actual food, day by day.
local coaching = require("coaching")

local FIELDS = {
  { "days", "list of 7 day objects: { day, training_day (true/false), meals: list of { name, foods: list of { food, grams }, kcal, protein_g } , total_kcal, total_protein_g }" },
  { "batch_prep", "list of what to cook ahead on the weekend and how long it keeps in the fridge" },
}

local TASK = [[
Write a 7-day meal plan that follows the meal structure and hits the macro targets
(each day within 5 % of the kcal target and at or above the protein target). Use only
foods from the allowed list, never an excluded one, with weights in grams (raw or dry
weight unless stated, e.g. "rice, dry"). Vary the days but reuse ingredients so the
shopping stays short, keep recipes within the client's cooking time, and make training
days carry more carbohydrate around the session if the structure says so. Use the foods
people recognise from a normal supermarket.]]

local PROMPT = coaching.client_line .. "\n" .. coaching.diet_card .. [[

MACRO TARGETS
{{macros}}

FOOD PREFERENCES AND RESTRICTIONS
{{foods}}

MEAL STRUCTURE
{{structure}}

{{training_label}}
{{training}}

Write the 7-day meal plan.]]

return agent {
  name = "N5", title = "Meal plan", phase = "nutrition",
  model = "gpt-4o-mini", temperature = 0.6, max_tokens = 6000, timeout = 180,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    local label = "TRAINING (client's own report)"
    if out.E9 then label = "TRAINING DAYS FROM THE COACH'S PLAN" end
    return coaching.ask("dietitian", TASK, FIELDS, PROMPT, {
      client = input, macros = out.N2, foods = out.N3, structure = out.N4,
      training_label = label, training = coaching.training_context(out, input),
    })
  end,
}
