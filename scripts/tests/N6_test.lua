-- N6 (supplements and hydration): few supplements, checked against what the
-- client already takes and her allergy.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local N0 = { screening = "healthy", red_flags = {}, referral = "not needed", data_gaps = {} }
local N3 = { include = {}, exclude = { { food = "tree nuts", reason = "allergy" } }, protein_sources = {},
  practical_notes = { "marker-N3 nutrients at risk: omega-3 on days without fish" } }
local N5 = { days = { { day = "Monday", total_kcal = 1780, total_protein_g = 136 } }, batch_prep = {} }
local SUPPLEMENTS = {
  supplements = {
    { name = "Creatine monohydrate", dose = "3-5 g a day", timing = "any time, with a meal", why = "strength gains", caution = "none" },
    { name = "Vitamin D3", dose = "1000 IU a day", timing = "with breakfast", why = "October to March at northern latitudes", caution = "stop the multivitamin's duplicate dose" },
  },
  hydration = { daily_l = 2.5, training_extra_l = 0.5, signs = "dark urine, headaches, thirst during sessions" },
  not_recommended = {
    { name = "Multivitamin", reason = "the meal plan covers the needs; keep only if she prefers" },
    { name = "Fat burners", reason = "no evidence, stimulant side effects" },
  },
}

return {
  agent = "N6",
  cases = {
    {
      name = "current supplements and the allergy reach the prompt",
      input_file = "examples/client.json",
      outputs = { N0 = N0, N3 = N3, N5 = N5 },
      replies = { { json = SUPPLEMENTS } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "Current supplements: A multivitamin most days; a whey protein shake"), "current supplements")
        assert(has(user, "Water today: 1.5 l/day"), "current water intake")
        assert(has(user, "Medications: Combined oral contraceptive pill"), "medications for interactions")
        assert(has(user, "marker-N3"), "N3's nutrients at risk are in the prompt")
        assert(has(user, "MEAL PLAN (for what the food already provides)\n{"), "N5's plan is in the prompt")
        assert(#output.supplements <= 4, "few supplements")
        assert(output.hydration.daily_l >= 2, "hydration in litres")
        local mentions = false
        for _, s in ipairs(output.not_recommended) do mentions = mentions or s.name == "Multivitamin" end
        assert(mentions, "what she already takes is commented on")
      end,
    },
  },
}
