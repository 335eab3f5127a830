-- N2 (macro targets): protein first, macros add up to the energy target.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local N1 = { bmr_kcal = 1439, tdee_kcal = 2160, target_kcal = 1775, method = "Mifflin-St Jeor x 1.5 - 18 %",
  rationale = "0.3-0.5 kg a week" }
local MACROS = {
  targets = { kcal = 1775, protein_g = 135, carbs_g = 180, fat_g = 57, fibre_g = 30, water_l = 2.5 },
  training_day_adjustment = "Training days +25 g carbohydrate around the session; rest days -30 g",
  rationale = "Protein 1.9 g/kg, fat 0.8 g/kg (29 % of energy), carbohydrate fills the rest.",
}

return {
  agent = "N2",
  cases = {
    {
      name = "the energy target reaches the prompt and the macros add up",
      input_file = "examples/client.json",
      outputs = { N1 = N1 },
      replies = { { json = MACROS } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "ENERGY NEEDS\n{"), "N1 is in the prompt")
        assert(has(user, '"target_kcal":1775'), "the target reaches N2")
        assert(has(user, "Weight: 72 kg"), "body weight for g/kg is in the prompt")
        assert(has(user, "TRAINING (client's own report)"), "alone, the client's own training report")
        local t = output.targets
        local kcal = t.protein_g * 4 + t.carbs_g * 4 + t.fat_g * 9
        assert(math.abs(kcal - t.kcal) / t.kcal <= 0.02, ("macros give %d kcal, target %d"):format(kcal, t.kcal))
        assert(t.protein_g / 72 >= 1.6 and t.protein_g / 72 <= 2.2, "protein 1.6-2.2 g/kg")
        assert(t.fat_g / 72 >= 0.7, "fat at least 0.7 g/kg")
      end,
    },
    {
      name = "with the coach's plan the label changes",
      input_file = "examples/client.json",
      outputs = { N1 = N1, E9 = { title = "Coach plan", weeks = {} } },
      replies = { { json = MACROS } },
      expect = function(_, calls)
        assert(has(calls[1].user, "TRAINING FROM THE COACH'S PLAN"), calls[1].user)
        assert(has(calls[1].user, '"plan_title":"Coach plan"'), "the coach's plan is the training context")
      end,
    },
  },
}
