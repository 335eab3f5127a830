-- N4 (meal structure): meals around work and training add up to the targets.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local N2 = { targets = { kcal = 1775, protein_g = 135, carbs_g = 180, fat_g = 57, fibre_g = 30, water_l = 2.5 },
  training_day_adjustment = "+25 g carbohydrate on training days", rationale = "" }
local N3 = { include = { protein = { "salmon", "eggs" } }, exclude = { { food = "tree nuts", reason = "allergy" } },
  protein_sources = { "marker-N3 skyr 150 g: 16 g protein" }, practical_notes = {} }
local STRUCTURE = {
  meals = {
    { name = "Breakfast", time = "07:30", kcal = 420, protein_g = 32, purpose = "protein early in the day" },
    { name = "Lunch", time = "12:30", kcal = 520, protein_g = 38, purpose = "main meal at the office" },
    { name = "Pre-training snack", time = "16:30", kcal = 250, protein_g = 20, purpose = "carbohydrate 2 h before 18:30" },
    { name = "Dinner", time = "20:00", kcal = 585, protein_g = 45, purpose = "protein-rich meal after training" },
  },
  peri_workout = "16:30: 40 g carbohydrate and 20 g protein (skyr and a banana); after training: dinner within 90 minutes",
  rationale = "The afternoon snack replaces the office biscuits and fuels the 18:30 session; dinner stays at 20:00.",
}

return {
  agent = "N4",
  cases = {
    {
      name = "meals are timed around the 18:30 session and hit the targets",
      input_file = "examples/client.json",
      outputs = { N2 = N2, N3 = N3 },
      replies = { { json = STRUCTURE } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "usually trains 18:30 after work on weekdays"), "the training time is in the prompt")
        assert(has(user, "Meals per day: 4 | Cooking time: About 30 minutes on weekdays"), "the eating card is in the prompt")
        assert(has(user, "marker-N3"), "N3's food list is in the prompt")
        assert(has(user, '"training_time":"18:30 after work'), "the training context carries the time")
        local kcal, protein = 0, 0
        for _, meal in ipairs(output.meals) do
          kcal, protein = kcal + meal.kcal, protein + meal.protein_g
        end
        assert(math.abs(kcal - N2.targets.kcal) <= N2.targets.kcal * 0.05, "meals add up to the kcal target")
        assert(protein >= N2.targets.protein_g, "meals reach the protein target")
        assert(#output.meals == 4, "the client eats 4 meals a day")
      end,
    },
  },
}
