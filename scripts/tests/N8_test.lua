-- N8 (final nutrition plan): assembles N0-N7; in pipeline full it marks the
-- coach's training days and names the training plan.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local outputs = {
  N0 = { screening = "marker-N0", red_flags = {}, referral = "not needed", data_gaps = {} },
  N1 = { bmr_kcal = 1439, tdee_kcal = 2160, target_kcal = 1775, method = "marker-N1", rationale = "" },
  N2 = { targets = { kcal = 1775, protein_g = 135, carbs_g = 180, fat_g = 57, fibre_g = 30, water_l = 2.5 },
    training_day_adjustment = "marker-N2", rationale = "" },
  N3 = { include = {}, exclude = {}, protein_sources = {}, practical_notes = { "marker-N3" } },
  N4 = { meals = {}, peri_workout = "marker-N4", rationale = "" },
  N5 = { days = {}, batch_prep = { "marker-N5" } },
  N6 = { supplements = {}, hydration = { daily_l = 2.5 }, not_recommended = { { name = "marker-N6", reason = "" } } },
  N7 = { habits = { "marker-N7" }, obstacles = {}, monitoring = "", adjustment_rules = {} },
}

local function day(name, training, kcal)
  return { day = name, training_day = training, total_kcal = kcal, total_protein_g = 136, meals = {
    { name = "Breakfast", time = "07:30", foods = { { food = "oats", grams = 50 }, { food = "skyr", grams = 200 } }, kcal = 420, protein_g = 32 },
    { name = "Dinner", time = "20:00", foods = { { food = "salmon", grams = 150 }, { food = "potatoes", grams = 300 } }, kcal = 620, protein_g = 42 },
  } }
end
local PLAN = {
  title = "Laura's nutrition plan",
  summary = "About 1,775 kcal and 135 g of protein a day, four meals, more carbohydrate on training days.",
  daily_targets = outputs.N2.targets,
  meal_plan = { day("Monday", true, 1780), day("Tuesday", true, 1780), day("Wednesday", false, 1720),
    day("Thursday", true, 1780), day("Friday", false, 1720), day("Saturday", true, 1780), day("Sunday", false, 1720) },
  shopping_list = { produce = { "bananas x 7" }, protein = { "salmon 700 g" }, dairy = { "skyr 1.4 kg" },
    grains = { "oats 350 g" }, pantry = { "olive oil" }, frozen = { "berries 500 g" } },
  tips = { "Batch-cook on Sunday", "Creatine 3-5 g a day", "2.5 l of water", "Pack the 16:30 snack",
    "Eating out: fish and vegetables, ask about nuts" },
}

local function with_coach(t)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  out.E5 = { split = "Upper/lower", schedule = { { day = "Monday", focus = "Lower body A", duration_min = 60 } },
    rest_days = {}, rationale = "" }
  out.E9 = { title = "Laura's 4-week strength block", summary = "", weeks = {}, progression = {}, safety_notes = {} }
  return out
end

return {
  agent = "N8",
  cases = {
    {
      name = "every earlier output is in the prompt; no coach plan alone",
      input_file = "examples/client.json",
      outputs = outputs,
      replies = { { json = PLAN } },
      expect = function(output, calls)
        local user = calls[1].user
        for _, name in ipairs({ "N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7" }) do
          assert(has(user, "marker-" .. name), name .. "'s output is missing from the prompt")
        end
        assert(not has(user, "TRAINING PLAN FROM THE COACH"), "no coach section without E9")
        assert(has(user, "Allergies: Tree nuts"), "the eating card is in the prompt")
        assert(#output.meal_plan == 7, "every day of the week")
        assert(output.daily_targets.kcal == 1775, "the targets are not changed")
        assert(#output.tips >= 5 and #output.tips <= 8, "5-8 tips")
      end,
    },
    {
      name = "in pipeline full the coach's plan is named",
      input_file = "examples/client.json",
      outputs = with_coach(outputs),
      replies = { { json = PLAN } },
      expect = function(_, calls)
        local user = calls[1].user
        assert(has(user, "TRAINING PLAN FROM THE COACH (mark its training days"), "the coach section is there")
        assert(has(user, "Laura's 4-week strength block"), "the plan's title is in the prompt")
        assert(has(user, '"focus":"Lower body A"'), "the coach's schedule is in the prompt")
      end,
    },
  },
}
