-- E6 (exercise selection): every injury must change the selection.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local E1 = {
  profile = "Laura, 34, early intermediate",
  training_age = "early intermediate",
  constraints = { "Left knee patellofemoral pain: avoid deep lunges", "Lower-back tightness after desk days" },
  risk_flags = { "knee pain history" },
}
local E2 = { primary_goal = "First pull-up", smart_goals = { "Week 12: one strict pull-up" },
  priorities = { "pain-free knee" }, limitations = { "knee" } }
local E5 = {
  split = "Upper/lower, 4 days",
  schedule = {
    { day = "Monday", focus = "Lower body A: squat focus", duration_min = 60 },
    { day = "Tuesday", focus = "Upper body A: pull-up strength", duration_min = 60 },
  },
  rest_days = { "Wednesday" }, rationale = "twice a week",
}

local SELECTION = {
  sessions = {
    { day = "Monday", focus = "Lower body A: squat focus", exercises = {
      { name = "Barbell box squat", pattern = "squat", reason = "controlled depth for the knee" },
      { name = "Dumbbell Romanian deadlift", pattern = "hinge", reason = "hamstrings without knee stress" },
      { name = "Leg press (feet high)", pattern = "squat", reason = "quads at a pain-free depth" },
      { name = "Pallof press", pattern = "core", reason = "anti-rotation for the lower back" },
    } },
    { day = "Tuesday", focus = "Upper body A: pull-up strength", exercises = {
      { name = "Assisted pull-up", pattern = "vertical pull", reason = "the goal lift" },
      { name = "Pull-up negative", pattern = "vertical pull", reason = "eccentric strength for the first pull-up" },
      { name = "Dumbbell bench press", pattern = "horizontal push", reason = "balanced pushing" },
      { name = "Seated cable row", pattern = "horizontal pull", reason = "back volume" },
    } },
  },
  substitutions = { { exercise = "Barbell box squat", alternative = "Goblet squat to a box", when = "knee pain above 3/10" } },
  excluded = {
    { exercise = "Walking lunges", reason = "deep knee flexion flares the left knee" },
    { exercise = "Box jumps", reason = "impact on the knee" },
  },
}

return {
  agent = "E6",
  cases = {
    {
      name = "the knee changes the selection and the split is followed",
      input_file = "examples/client.json",
      outputs = { E1 = E1, E2 = E2, E5 = E5 },
      replies = { { json = SELECTION } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "Injuries: Left knee: patellofemoral pain"), "the injury is in the prompt")
        assert(has(user, "Equipment: Commercial gym: squat rack"), "the equipment is in the prompt")
        assert(has(user, "WEEKLY SPLIT\n{"), "E5's split is in the prompt")
        assert(has(user, '"focus":"Upper body A: pull-up strength"'), "each split day reaches E6")
        assert(has(user, "PROFILE ANALYSIS (constraints and risk flags)"), "E1 is in the prompt")
        assert(has(calls[1].system, "Every injury listed must change the selection"), "the task says so")
        assert(#output.sessions == #E5.schedule, "one session per split day")
        local excluded = {}
        for _, e in ipairs(output.excluded) do excluded[#excluded + 1] = e.exercise:lower() end
        assert(table.concat(excluded, ","):find("lunge"), "lunges are excluded for the knee")
        for _, s in ipairs(output.sessions) do
          assert(#s.exercises >= 4 and #s.exercises <= 6, s.day .. " has 4-6 exercises")
        end
      end,
    },
  },
}
