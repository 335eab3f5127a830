-- N3 (food preferences and restrictions): allergens are absolute.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local N2 = { targets = { kcal = 1775, protein_g = 135, carbs_g = 180, fat_g = 57, fibre_g = 30, water_l = 2.5 },
  training_day_adjustment = "+25 g carbohydrate on training days", rationale = "1.9 g/kg protein" }
local FOODS = {
  include = {
    protein = { "salmon", "cod", "prawns", "eggs", "Greek yoghurt 0 %", "skyr", "cottage cheese", "tofu", "lentils" },
    carbohydrates = { "oats", "rice", "wholegrain bread", "potatoes", "wholewheat pasta" },
    vegetables_fruit = { "broccoli", "spinach", "peppers", "berries", "bananas", "apples" },
    fats = { "olive oil", "avocado", "pumpkin seeds", "sunflower seeds" },
    dairy_alternatives = { "milk", "oat milk (nut-free brand)" },
  },
  exclude = {
    { food = "almonds, walnuts, cashews, hazelnuts", reason = "allergy" },
    { food = "pesto, granola, marzipan, almond milk, most protein bars", reason = "allergy" },
    { food = "meat and poultry", reason = "preference" },
    { food = "mushrooms, olives", reason = "dislike" },
  },
  protein_sources = { "Greek yoghurt 0 %, 200 g: 20 g protein", "salmon fillet, 130 g: 26 g protein",
    "2 eggs: 13 g protein" },
  practical_notes = { "Check labels for 'may contain tree nuts'", "Frozen fish keeps the budget down" },
}

return {
  agent = "N3",
  cases = {
    {
      name = "the tree-nut allergy, diet and dislikes shape the food list",
      input_file = "examples/client.json",
      outputs = { N2 = N2 },
      replies = { { json = FOODS } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "Allergies: Tree nuts"), "the allergy is in the prompt")
        assert(has(user, "Dislikes: Mushrooms, olives, very spicy food"), "the dislikes are in the prompt")
        assert(has(user, "Food budget: Moderate, about 90 EUR per week"), "the budget is in the prompt")
        assert(has(user, "MACRO TARGETS\n{") and has(user, '"protein_g":135'), "N2's targets are in the prompt")
        assert(has(calls[1].system, "hidden sources"), "the task asks for hidden allergen sources")
        local allergy, meat = false, false
        for _, e in ipairs(output.exclude) do
          allergy = allergy or (e.reason == "allergy" and has(e.food, "almond"))
          meat = meat or (e.reason == "preference" and has(e.food, "meat"))
        end
        assert(allergy, "tree nuts are excluded as an allergy")
        assert(meat, "meat is excluded for a pescatarian")
        for _, food in ipairs(output.include.fats) do
          assert(not food:lower():find("nut"), food .. " is a tree nut")
        end
      end,
    },
  },
}
