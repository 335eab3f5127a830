-- N3: what the client will and will not eat.
local coaching = require("coaching")

local FIELDS = {
  { "include", "object: food groups (protein, carbohydrates, vegetables_fruit, fats, dairy_alternatives) -> list of foods the client eats and can buy" },
  { "exclude", "list of { food, reason } with reason \"allergy\", \"preference\", \"dislike\" or \"medical\"; allergens include hidden sources" },
  { "protein_sources", "list of the client's practical protein sources with protein per typical portion, e.g. \"Greek yoghurt 0 %, 200 g: 20 g protein\"" },
  { "practical_notes", "list of notes: label reading for allergens, budget and cooking-time tips" },
}

local TASK = [[
Translate the client's diet preference, allergies, dislikes, budget and cooking time
into a food list the meal plan must use. Allergens are absolute: list hidden sources
(e.g. tree nuts in pesto, granola, marzipan, some plant milks and protein bars). Make sure
the allowed foods can reach the protein target, and flag nutrients at risk for this
pattern of eating (e.g. B12, iron, omega-3, calcium, iodine).]]

local PROMPT = coaching.client_card .. "\n" .. coaching.diet_card .. [[

MACRO TARGETS
{{macros}}

Build the food preferences and restrictions.]]

return agent {
  name = "N3", title = "Food preferences and restrictions", phase = "nutrition",
  model = "gpt-4o-mini", temperature = 0.2, max_tokens = 1500,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    return coaching.ask("dietitian", TASK, FIELDS, PROMPT, { client = input, macros = out.N2 })
  end,
}
