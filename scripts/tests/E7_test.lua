-- E7 (volume and intensity): prescribes week 1 within E3's set budget.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local E3 = {
  sessions_per_week = 4, session_minutes = 60,
  weekly_set_budget = { quads = 10, hamstrings_glutes = 12, chest = 8, back = 14, shoulders = 8, arms = 4, core = 9 },
  recovery = "moderate", intensity_ceiling = "main lifts at 1-3 RIR; knee-loading lifts at 2 RIR or more",
}
local E4 = { model = "linear", block_length_weeks = 4,
  weeks = { { week = 1, theme = "Learn the lifts", volume = "3 sets on main lifts", intensity = "RIR 3" } },
  deload = "week 4", rationale = "simple" }
local E6 = {
  sessions = {
    { day = "Monday", exercises = { { name = "Barbell box squat" }, { name = "Dumbbell Romanian deadlift" } } },
    { day = "Tuesday", exercises = { { name = "Assisted pull-up" }, { name = "Dumbbell bench press" } } },
  },
  substitutions = {}, excluded = { { exercise = "Walking lunges", reason = "knee" } },
}

local PRESCRIPTIONS = {
  prescriptions = {
    { day = "Monday", exercises = {
      { name = "Barbell box squat", sets = 3, reps = "6-8", rir = 3, rest_s = 150, tempo = "3-1-1" },
      { name = "Dumbbell Romanian deadlift", sets = 3, reps = "8-10", rir = 3, rest_s = 120, tempo = "3-0-1" },
    } },
    { day = "Tuesday", exercises = {
      { name = "Assisted pull-up", sets = 3, reps = "6-8", rir = 2, rest_s = 150, tempo = "2-0-1" },
      { name = "Dumbbell bench press", sets = 3, reps = "8-10", rir = 3, rest_s = 120, tempo = "2-0-1" },
    } },
  },
  weekly_volume = { quads = 9, hamstrings_glutes = 10, chest = 6, back = 12, shoulders = 6, arms = 4, core = 6 },
  intensity_guidance = "Reps in reserve: stop when you could do 3 more good reps. Start light and add weight next session.",
  warm_up = "5 min rower, 10 box squats with bodyweight, band pull-aparts, then 2 ramp-up sets of the main lift.",
}

return {
  agent = "E7",
  cases = {
    {
      name = "week 1 stays within the set budget and uses the selected exercises",
      input_file = "examples/client.json",
      outputs = { E3 = E3, E4 = E4, E6 = E6 },
      replies = { { json = PRESCRIPTIONS } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "TRAINING CAPACITY (set budget, intensity ceiling)\n{"), "E3 is in the prompt")
        assert(has(user, '"weekly_set_budget":{'), "the set budget reaches E7")
        assert(has(user, "EXERCISE SELECTION\n{"), "E6 is in the prompt")
        assert(has(user, "Barbell box squat"), "the selected exercises are in the prompt")
        for muscle, sets in pairs(output.weekly_volume) do
          assert(sets <= E3.weekly_set_budget[muscle], muscle .. " exceeds the set budget")
        end
        for _, day in ipairs(output.prescriptions) do
          for _, ex in ipairs(day.exercises) do
            assert(ex.rir >= 1, ex.name .. " goes to failure")
          end
        end
      end,
    },
  },
}
