-- N6: supplements worth taking (few) and how much to drink.
local coaching = require("coaching")

local FIELDS = {
  { "supplements", "list of { name, dose, timing, why, caution } with only well-evidenced supplements (e.g. creatine monohydrate, vitamin D, omega-3, B12 for plant-based diets, protein powder if food falls short)" },
  { "hydration", "object: daily_l (number), training_extra_l (number), signs of under-hydration to watch" },
  { "not_recommended", "list of { name, reason } for supplements the client uses or might buy that are not worth it or not safe for them" },
}

local TASK = [[
Recommend supplements and hydration. Start from food: recommend a supplement only where
the diet, season, goal or screening makes it useful and the evidence is strong. Check
every recommendation against the client's medications, conditions and allergies (e.g.
nut-derived ingredients, fish oil with anticoagulants). Comment on what the client already
takes: keep, change the dose or stop, with the reason.]]

local PROMPT = coaching.client_card .. "\n" .. coaching.diet_card .. [[

SCREENING
{{screening}}

FOOD PREFERENCES AND RESTRICTIONS (nutrients at risk)
{{foods}}

MEAL PLAN (for what the food already provides)
{{meal_plan}}

Recommend supplements and hydration.]]

return agent {
  name = "N6", title = "Supplements and hydration", phase = "nutrition",
  model = "gpt-4o-mini", temperature = 0.2, max_tokens = 1200,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    return coaching.ask("dietitian", TASK, FIELDS, PROMPT, {
      client = input, screening = out.N0, foods = out.N3, meal_plan = out.N5,
    })
  end,
}
