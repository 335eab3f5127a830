-- N1 (energy needs): counts the training load from the coach's plan when the
-- job ran the training agents first (pipeline "full"), else the client's report.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local N0 = { screening = "marker-N0 healthy, pescatarian", red_flags = {}, referral = "not needed", data_gaps = {} }
local ENERGY = {
  bmr_kcal = 1439,
  tdee_kcal = 2160,
  target_kcal = 1775,
  method = "Mifflin-St Jeor for women: 10 x 72 + 6.25 x 168 - 5 x 34 - 161 = 1,439 kcal; x 1.5 = 2,160; -18 % = 1,775 kcal",
  rationale = "An 18 % deficit gives about 0.3-0.5 kg a week; review after 3 weeks.",
}
local COACH = {
  E3 = { sessions_per_week = 4, session_minutes = 60, weekly_set_budget = {}, recovery = "moderate", intensity_ceiling = "" },
  E5 = { split = "Upper/lower", schedule = { { day = "Monday", focus = "Lower body A", duration_min = 60 } },
    rest_days = {}, rationale = "" },
  E9 = { title = "Laura's 4-week strength block", summary = "", weeks = {}, progression = {}, safety_notes = {} },
}

local function with(t, extra)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  for k, v in pairs(extra) do out[k] = v end
  return out
end

return {
  agent = "N1",
  cases = {
    {
      name = "alone it uses the client's own training report",
      input_file = "examples/client.json",
      outputs = { N0 = N0 },
      replies = { { json = ENERGY } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "TRAINING (client's own report)"), "the label says where the training comes from")
        assert(has(user, '"sessions_per_week":4'), "the client's 4 days are the training load")
        assert(has(user, "SCREENING\n{") and has(user, "marker-N0"), "N0's screening is in the prompt")
        assert(not has(user, "COACH'S PLAN"), "no coach plan in this job")
        assert(output.target_kcal >= 1200, "never below the 1200 kcal minimum for women")
        assert(output.target_kcal < output.tdee_kcal, "a deficit for fat loss")
        assert((output.tdee_kcal - output.target_kcal) / output.tdee_kcal <= 0.25, "deficit at most 25 %")
      end,
    },
    {
      name = "in pipeline full it counts the coach's sessions",
      input_file = "examples/client.json",
      outputs = with(COACH, { N0 = N0 }),
      replies = { { json = ENERGY } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "TRAINING LOAD FROM THE COACH'S PLAN"), "the label names the coach's plan")
        assert(has(user, "Laura's 4-week strength block"), "the plan's title is in the training context")
        assert(has(user, '"focus":"Lower body A"'), "the coach's schedule is in the training context")
      end,
    },
  },
}
