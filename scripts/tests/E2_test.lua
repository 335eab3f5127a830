-- E2 (goals and constraints): builds on E1's profile analysis.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local E1 = {
  profile = "Laura, 34, desk job, 4 x 60 min a week; wants fat loss, strength and a first pull-up in 12 weeks.",
  training_age = "early intermediate: machines and classes, free-weight technique still new",
  constraints = { "4 sessions of 60 min", "left knee patellofemoral pain: no deep lunges or running" },
  risk_flags = { "knee pain history: monitor pain during and 24 h after lower-body sessions" },
}

local GOALS = {
  primary_goal = "Build full-body strength with a pulling focus, for a first pull-up, while nutrition drives slow fat loss.",
  smart_goals = {
    "Week 4: 3 pull-up negatives of 5 s or more",
    "Week 4: trap-bar deadlift 5 reps at 10 kg more than the week-1 working weight",
    "Week 12: one strict, unassisted pull-up from a full hang",
  },
  priorities = { "Pain-free training for the left knee", "Consistency: 4 sessions in most weeks",
    "Vertical pulling strength", "Whole-body strength" },
  limitations = { "Knee: box squats and hinges instead of lunges and running",
    "Time: 60 minutes, so 5-6 exercises per session" },
}

return {
  agent = "E2",
  cases = {
    {
      name = "E1's profile is the previous step in the prompt",
      input_file = "examples/client.json",
      outputs = { E1 = E1 },
      replies = { { json = GOALS } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "PROFILE ANALYSIS (previous step)\n{"), "E1's output follows its heading as JSON")
        assert(has(user, "free-weight technique still new"), "E1's training age is in the prompt")
        assert(has(user, "Goal: Lose about 5 kg of body fat, get stronger and do my first unassisted pull-up"),
          "the client's own goal is in the prompt")
        assert(has(user, "Target date: 12 weeks from the start of the plan"), "the target date is in the prompt")
        assert(#output.smart_goals >= 2 and #output.smart_goals <= 4, "2-4 SMART goals")
        assert(output.priorities[1]:find("knee"), "safety ranks first")
      end,
    },
    {
      name = "an unrealistic goal reaches the model unchanged",
      input_file = "examples/client.json",
      input = { goal = "Lose 15 kg in 4 weeks for a wedding", target_date = "4 weeks from now" },
      outputs = { E1 = E1 },
      replies = { { json = {
        primary_goal = "Lose fat steadily and feel strong for the wedding; 15 kg in 4 weeks is neither safe nor realistic.",
        smart_goals = { "Week 4: 2-3 kg lower weekly average body weight", "Week 4: 4 sessions completed every week" },
        priorities = { "Safety", "Consistency", "Fat loss" },
        limitations = { "The date allows about 3 kg of safe loss, not 15" },
      } } },
      expect = function(output, calls)
        assert(has(calls[1].user, "Goal: Lose 15 kg in 4 weeks for a wedding"), calls[1].user)
        assert(has(calls[1].system, "If the goal is unrealistic for the date, say so"), "the task covers it")
        assert(has(output.primary_goal, "not safe") or has(output.primary_goal, "neither safe"), output.primary_goal)
      end,
    },
  },
}
