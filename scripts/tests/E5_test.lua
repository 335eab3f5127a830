-- E5 (weekly split): places sessions on the client's preferred days.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local E3 = {
  sessions_per_week = 4, session_minutes = 60,
  weekly_set_budget = { quads = 10, hamstrings_glutes = 12, chest = 8, back = 14, shoulders = 8, arms = 4, core = 9 },
  recovery = "moderate", intensity_ceiling = "main lifts at 1-3 RIR",
}
local E4 = {
  model = "Linear block with a deload", block_length_weeks = 4,
  weeks = { { week = 1, theme = "Learn the lifts" }, { week = 4, theme = "Deload" } },
  deload = "week 4", rationale = "simple",
}

local SPLIT = {
  split = "Upper/lower, 4 days",
  schedule = {
    { day = "Monday", focus = "Lower body A: squat focus", duration_min = 60, movement_patterns = { "squat", "hinge", "core" } },
    { day = "Tuesday", focus = "Upper body A: pull-up strength", duration_min = 60, movement_patterns = { "vertical pull", "horizontal push" } },
    { day = "Thursday", focus = "Lower body B: hinge focus", duration_min = 60, movement_patterns = { "hinge", "squat" } },
    { day = "Saturday", focus = "Upper body B: pulling volume", duration_min = 55, movement_patterns = { "vertical pull", "horizontal pull" } },
  },
  rest_days = { "Wednesday: 30-45 min walk", "Friday: rest", "Sunday: long walk" },
  rationale = "Every muscle twice a week; lower-body days 72 hours apart for the knee.",
}

return {
  agent = "E5",
  cases = {
    {
      name = "sessions land on the preferred days within the time available",
      input_file = "examples/client.json",
      outputs = { E3 = E3, E4 = E4 },
      replies = { { json = SPLIT } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, 'preferred days ["Monday","Tuesday","Thursday","Saturday"]'), "preferred days render as JSON")
        assert(has(user, "usually trains 18:30 after work on weekdays"), "the training time is in the prompt")
        assert(has(user, "PERIODISATION\n{"), "E4's block is in the prompt")
        local preferred = { Monday = true, Tuesday = true, Thursday = true, Saturday = true }
        for _, day in ipairs(output.schedule) do
          assert(preferred[day.day], day.day .. " is not a preferred day")
          assert(day.duration_min <= 60, day.day .. " is longer than a session")
        end
        assert(#output.schedule == E3.sessions_per_week, "as many days as E3's sessions")
      end,
    },
    {
      name = "three days a week change the prompt",
      input_file = "examples/client.json",
      input = { days_per_week = 3, preferred_days = { "Monday", "Wednesday", "Friday" } },
      outputs = { E3 = E3, E4 = E4 },
      replies = { { json = {
        split = "Full body A/B/A",
        schedule = {
          { day = "Monday", focus = "Full body A", duration_min = 60, movement_patterns = { "squat", "vertical pull" } },
          { day = "Wednesday", focus = "Full body B", duration_min = 60, movement_patterns = { "hinge", "horizontal push" } },
          { day = "Friday", focus = "Full body A", duration_min = 60, movement_patterns = { "squat", "vertical pull" } },
        },
        rest_days = { "Tuesday, Thursday: walks", "Weekend: rest" },
        rationale = "Three full-body sessions train everything three times a week.",
      } } },
      expect = function(output, calls)
        assert(has(calls[1].user, "Availability: 3 days/week"), calls[1].user)
        assert(has(calls[1].user, '["Monday","Wednesday","Friday"]'), "the new days are in the prompt")
        assert(#output.schedule == 3)
      end,
    },
  },
}
