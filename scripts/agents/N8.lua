-- N8: assemble everything into the nutrition plan the client receives.
local coaching = require("coaching")

local FIELDS = {
  { "title", "a short plan title with the client's first name" },
  { "summary", "4-6 sentences to the client: the targets in plain words, how a day of eating looks, what to expect" },
  { "daily_targets", "object with numbers: kcal, protein_g, carbs_g, fat_g, fibre_g, water_l" },
  { "meal_plan", "list of days: { day, training_day, meals: list of { name, time, foods: list of { food, grams }, kcal, protein_g }, total_kcal, total_protein_g }" },
  { "shopping_list", "object: aisle (produce, protein, dairy, grains, pantry, frozen) -> list of items with the weekly quantity" },
  { "tips", "list of 5-8 short tips: batch prep, supplements and hydration, adherence habits, what to do when eating out" },
}

local TASK = [[
Assemble the final nutrition plan the client will follow, from the specialists' work
below. Keep the meal plan complete (every day, every meal, foods with grams), make the
shopping list cover one week of it with quantities, and fold the supplement, hydration and
adherence advice into the tips. Do not change the targets; if the meal plan misses them,
adjust portions so each day is within 5 % of the kcal target. The text is read by the
client, so address them as "you". If a red flag requires a doctor, say so first in the
summary.]]

local PROMPT = coaching.client_line .. "\n" .. coaching.diet_card .. [[

SCREENING
{{N0}}

ENERGY NEEDS
{{N1}}

MACRO TARGETS
{{N2}}

FOOD PREFERENCES AND RESTRICTIONS
{{N3}}

MEAL STRUCTURE
{{N4}}

MEAL PLAN
{{N5}}

SUPPLEMENTS AND HYDRATION
{{N6}}

ADHERENCE STRATEGY
{{N7}}
{{training_note}}
Assemble the complete nutrition plan.]]

return agent {
  name = "N8", title = "Final nutrition plan", phase = "nutrition",
  model = "gpt-4o-mini", temperature = 0.3, max_tokens = 8000, timeout = 180,
  output = { required = coaching.names(FIELDS) },
  run = function(input, ctx)
    local out = ctx.outputs or {}
    local vars = { client = input, training_note = "" }
    for _, name in ipairs({ "N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7" }) do
      vars[name] = out[name]
    end
    if out.E9 then
      -- pipeline "full": mark the coach's training days in the meal plan
      vars.training_note = template([[

TRAINING PLAN FROM THE COACH (mark its training days as training_day = true and
mention the plan by name in the summary)
{{training}}
]], { training = coaching.training_context(out, input) })
    end
    local reply = llm.chat {
      system = coaching.system("dietitian", TASK, FIELDS),
      messages = { { role = "user", content = template(PROMPT, vars) } },
      json = true,
    }
    return reply.json
  end,
}
