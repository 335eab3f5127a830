-- N5 (meal plan): seven days from the allowed foods, using the short client line.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local N2 = { targets = { kcal = 1775, protein_g = 135, carbs_g = 180, fat_g = 57, fibre_g = 30, water_l = 2.5 },
  training_day_adjustment = "", rationale = "" }
local N3 = { include = { protein = { "salmon", "eggs", "skyr" } },
  exclude = { { food = "almonds, walnuts, cashews, hazelnuts", reason = "allergy" } }, protein_sources = {}, practical_notes = {} }
local N4 = { meals = { { name = "Breakfast" }, { name = "Lunch" }, { name = "Snack" }, { name = "Dinner" } },
  peri_workout = "marker-N4 snack at 16:30", rationale = "" }

-- Seven days built from a few templates, as a model would vary them.
local TRAINING = { Monday = true, Tuesday = true, Thursday = true, Saturday = true }
local days = {}
for _, day in ipairs({ "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" }) do
  local training = TRAINING[day] == true
  days[#days + 1] = {
    day = day,
    training_day = training,
    meals = {
      { name = "Breakfast", foods = { { food = "oats", grams = 50 }, { food = "skyr", grams = 200 } }, kcal = 420, protein_g = 32 },
      { name = "Lunch", foods = { { food = "salmon", grams = 130 }, { food = "rice, dry", grams = 70 } }, kcal = 560, protein_g = 40 },
      { name = "Snack", foods = { { food = "banana", grams = 120 }, { food = "cottage cheese", grams = 150 } },
        kcal = training and 260 or 200, protein_g = 18 },
      { name = "Dinner", foods = { { food = "eggs", grams = 120 }, { food = "potatoes", grams = 250 } }, kcal = 540, protein_g = 46 },
    },
    total_kcal = training and 1780 or 1720,
    total_protein_g = 136,
  }
end

return {
  agent = "N5",
  cases = {
    {
      name = "seven days, no allergens, training days carry more",
      input_file = "examples/client.json",
      outputs = { N2 = N2, N3 = N3, N4 = N4 },
      replies = { { json = { days = days, batch_prep = { "Sunday: cook 4 portions of rice; keeps 4 days in the fridge" } } } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "Laura Bennett, 34 y, female, 168 cm, 72 kg"), "N5 uses the short client line")
        assert(not has(user, "Training history:"), "not the whole client card")
        assert(has(user, "Allergies: Tree nuts"), "the eating card is in the prompt")
        assert(has(user, "marker-N4"), "N4's structure is in the prompt")
        assert(#output.days == 7, "seven days")
        for _, day in ipairs(output.days) do
          assert(math.abs(day.total_kcal - N2.targets.kcal) <= N2.targets.kcal * 0.05, day.day .. " misses the kcal target")
          assert(day.total_protein_g >= N2.targets.protein_g, day.day .. " misses the protein target")
          for _, meal in ipairs(day.meals) do
            for _, f in ipairs(meal.foods) do
              for _, nut in ipairs({ "almond", "walnut", "cashew", "hazelnut" }) do
                assert(not f.food:find(nut), day.day .. " contains " .. nut)
              end
            end
          end
        end
        assert(output.days[1].total_kcal > output.days[3].total_kcal, "Monday (training) carries more than Wednesday")
      end,
    },
  },
}
