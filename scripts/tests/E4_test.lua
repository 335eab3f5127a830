-- E4 (periodisation): plans the block from E2's goals and E3's capacity.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local E2 = {
  primary_goal = "Full-body strength with a pulling focus for a first pull-up",
  smart_goals = { "Week 4: 3 pull-up negatives of 5 s", "Week 12: one strict pull-up" },
  priorities = { "pain-free knee", "consistency", "vertical pulling strength" },
  limitations = { "calorie deficit: moderate volume, no sets to failure" },
}
local E3 = {
  sessions_per_week = 4,
  session_minutes = 60,
  weekly_set_budget = { quads = 10, hamstrings_glutes = 12, chest = 8, back = 14, shoulders = 8, arms = 4, core = 9 },
  recovery = "moderate",
  intensity_ceiling = "main lifts at 1-3 RIR; knee-loading lifts at 2 RIR or more",
}

local BLOCK = {
  model = "Linear block with double progression and a planned deload",
  block_length_weeks = 4,
  weeks = {
    { week = 1, theme = "Learn the lifts", volume = "3 sets on main lifts", intensity = "RIR 3", notes = "Find working weights" },
    { week = 2, theme = "Build", volume = "3 sets on all lifts", intensity = "RIR 2", notes = "Add load at the top of the range" },
    { week = 3, theme = "Push", volume = "4 sets on main lifts", intensity = "RIR 1-2", notes = "Hardest week" },
    { week = 4, theme = "Deload and test", volume = "2 sets on all lifts", intensity = "RIR 4", notes = "Pull-up checkpoint" },
  },
  deload = "Week 4: 2 sets per exercise, main-lift loads about 10 % lower, every set at RIR 4",
  rationale = "Simple weekly progression for an early intermediate; the deload protects recovery in a deficit.",
}

return {
  agent = "E4",
  cases = {
    {
      name = "goals and capacity shape a 4-week block",
      input_file = "examples/client.json",
      outputs = { E2 = E2, E3 = E3 },
      replies = { { json = BLOCK } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "GOALS\n{"), "E2's goals are in the prompt")
        assert(has(user, '"primary_goal":"Full-body strength with a pulling focus'), "as JSON")
        assert(has(user, "TRAINING CAPACITY\n{"), "E3's capacity is in the prompt")
        assert(has(user, '"intensity_ceiling":"main lifts at 1-3 RIR'), "the intensity ceiling reaches E4")
        assert(has(calls[1].system, "make the last week before the deload the hardest"), "the task sets the shape")
        assert(output.block_length_weeks == #output.weeks, "one entry per week of the block")
        assert(output.weeks[#output.weeks].theme:find("Deload"), "the block ends with the deload")
        assert(output.weeks[3].intensity == "RIR 1-2", "week 3 is the hardest")
      end,
    },
  },
}
