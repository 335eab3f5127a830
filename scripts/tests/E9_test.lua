-- E9 (final training plan): assembles E1-E8 into the plan the client reads.
local function has(text, part) return text:find(part, 1, true) ~= nil end

-- Each earlier agent's output carries a marker the prompt must show.
local outputs = {
  E1 = { profile = "marker-E1 profile", training_age = "early intermediate", constraints = {}, risk_flags = {} },
  E2 = { primary_goal = "marker-E2 first pull-up", smart_goals = {}, priorities = {}, limitations = {} },
  E3 = { sessions_per_week = 4, session_minutes = 60, weekly_set_budget = {}, recovery = "marker-E3 moderate",
    intensity_ceiling = "RIR 1-3" },
  E4 = { model = "marker-E4 linear block", block_length_weeks = 4, weeks = {}, deload = "week 4", rationale = "" },
  E5 = { split = "marker-E5 upper/lower", schedule = {}, rest_days = {}, rationale = "" },
  E6 = { sessions = {}, substitutions = {}, excluded = { { exercise = "marker-E6 walking lunges", reason = "knee" } } },
  E7 = { prescriptions = {}, weekly_volume = {}, intensity_guidance = "marker-E7 RIR", warm_up = "5 min" },
  E8 = { progression_rules = { "marker-E8 add 2.5 kg" }, deload = "week 4", autoregulation = {}, checkpoints = {} },
}

-- A complete 4-week plan: every week written out, week 3 hardest, week 4 lighter.
local DAYS = {
  { day = "Monday", focus = "Lower body A", main = "Barbell box squat" },
  { day = "Tuesday", focus = "Upper body A", main = "Assisted pull-up" },
  { day = "Thursday", focus = "Lower body B", main = "Trap-bar deadlift" },
  { day = "Saturday", focus = "Upper body B", main = "Pull-up negative" },
}
local WEEKS = { { "Learn the lifts", 3, 3 }, { "Build", 3, 2 }, { "Push", 4, 1 }, { "Deload and test", 2, 4 } }
local weeks = {}
for w, spec in ipairs(WEEKS) do
  local sessions = {}
  for _, d in ipairs(DAYS) do
    sessions[#sessions + 1] = { day = d.day, focus = d.focus, duration_min = 60, exercises = {
      { name = d.main, sets = spec[2], reps = "6-8", rest = "2-3 min", notes = "RIR " .. spec[3] },
      { name = "Pallof press", sets = spec[2] - 1, reps = "10 per side", rest = "60 s", notes = "RIR " .. spec[3] },
    } }
  end
  weeks[w] = { week = w, theme = spec[1], sessions = sessions }
end

local PLAN = {
  title = "Laura's 4-week strength and fat-loss block",
  summary = "You train four times a week. Weeks 1-3 get harder, week 4 is lighter. Squats go to a box to protect your knee.",
  weeks = weeks,
  progression = { "Add 2.5 kg to lower-body main lifts when every set reaches the top of the range" },
  safety_notes = { "Stop any exercise that causes sharp knee pain and use the listed alternative" },
}

return {
  agent = "E9",
  cases = {
    {
      name = "every earlier output is in the prompt and every week is complete",
      input_file = "examples/client.json",
      outputs = outputs,
      replies = { { json = PLAN } },
      expect = function(output, calls)
        local user = calls[1].user
        for _, name in ipairs({ "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8" }) do
          assert(has(user, "marker-" .. name), name .. "'s output is missing from the prompt")
        end
        assert(has(user, "PROGRESSION AND DELOADS\n{"), "sections follow their headings")
        assert(has(user, "Name: Laura Bennett"), "the client card is in the prompt")
        assert(output.title:find("Laura"), "the title names the client")
        assert(#output.weeks == outputs.E4.block_length_weeks, "one entry per week of the block")
        for _, week in ipairs(output.weeks) do
          assert(#week.sessions == outputs.E3.sessions_per_week, "week " .. week.week .. " is incomplete")
        end
        local sets = function(w) return output.weeks[w].sessions[1].exercises[1].sets end
        assert(sets(3) > sets(1) and sets(4) < sets(3), "week 3 is hardest and the deload is lighter")
      end,
    },
    {
      name = "a plan missing the safety notes is re-asked",
      input_file = "examples/client.json",
      outputs = outputs,
      replies = {
        { json = { title = PLAN.title, summary = PLAN.summary, weeks = PLAN.weeks, progression = PLAN.progression } },
        { json = PLAN },
      },
      expect = function(output, calls)
        assert(#calls == 2, "one re-ask")
        assert(has(calls[2].user, "safety_notes"), "the re-ask names the missing field")
        assert(#output.safety_notes == 1)
      end,
    },
  },
}
