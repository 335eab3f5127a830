-- N7 (adherence strategy): plans for where this client's week will break.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local N1 = { bmr_kcal = 1439, tdee_kcal = 2160, target_kcal = 1775, method = "", rationale = "" }
local N4 = { meals = { { name = "Pre-training snack", time = "16:30" } }, peri_workout = "marker-N4", rationale = "" }
local STRATEGY = {
  habits = {
    "Pack the 16:30 snack every office day",
    "Protein at every meal (a palm-sized portion)",
    "Dinner prepped on Sunday for the two latest gym evenings",
  },
  obstacles = {
    { situation = "Biscuits in the office kitchen in the afternoon", plan = "Eat the packed snack at 16:00 before the craving" },
    { situation = "Quarter-end weeks", plan = "Use the batch-cooked dinners; keep 3 sessions instead of 4" },
    { situation = "Wine on Friday and Saturday", plan = "Two glasses, with dinner, counted in the day's energy" },
  },
  monitoring = "Weigh 3 mornings a week and compare weekly averages; waist every 2 weeks; energy and hunger 1-5 daily",
  adjustment_rules = { "If the weekly average has not changed for 2 weeks, remove 150 kcal from carbohydrate" },
}

return {
  agent = "N7",
  cases = {
    {
      name = "the client's own weak spots are in the prompt and planned for",
      input_file = "examples/client.json",
      outputs = { N1 = N1, N4 = N4 },
      replies = { { json = STRATEGY } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "Additional notes from the client: Afternoon snacking at the office"), "the notes")
        assert(has(user, "Stress: Moderate; high in the last two weeks of each quarter"), "stress peaks")
        assert(has(user, "ENERGY TARGET\n{") and has(user, '"target_kcal":1775'), "N1's target")
        assert(has(user, "MEAL STRUCTURE\n{") and has(user, "marker-N4"), "N4's structure")
        assert(#output.habits >= 3 and #output.habits <= 5, "3-5 keystone habits")
        local office = false
        for _, o in ipairs(output.obstacles) do office = office or has(o.situation, "office") end
        assert(office, "the office snacking is planned for")
        assert(#output.adjustment_rules >= 1, "there is an adjustment rule")
      end,
    },
  },
}
