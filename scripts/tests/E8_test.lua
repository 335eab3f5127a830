-- E8 (progression and deloads): rules the client can follow alone.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local E2 = { primary_goal = "First pull-up", smart_goals = { "Week 4: 3 pull-up negatives of 5 s", "Week 12: one strict pull-up" },
  priorities = { "pain-free knee" }, limitations = { "knee" } }
local E4 = { model = "linear", block_length_weeks = 4, weeks = { { week = 3, theme = "Push" }, { week = 4, theme = "Deload" } },
  deload = "Week 4: half the sets, loads 10 % lower", rationale = "simple" }
local E7 = { prescriptions = { { day = "Monday", exercises = { { name = "Barbell box squat", sets = 3, reps = "6-8", rir = 3 } } } },
  weekly_volume = { quads = 9 }, intensity_guidance = "RIR explained", warm_up = "5 min" }

local RULES = {
  progression_rules = {
    "Main lifts: when all sets reach the top of the rep range at the target RIR, add 2.5 kg (lower body) or 1-2 kg (upper body) next session",
    "Accessories: double progression, add reps up to the top of the range, then the next dumbbell",
    "Assisted pull-up: one step less assistance when 3 x 8 is reached",
  },
  deload = "Week 4: 2 sets instead of 3-4, loads about 10 % below week 3, every set at RIR 4",
  autoregulation = {
    "Missed a week: repeat the last completed week at 90 % of the load",
    "Under 6 h of sleep: keep the load, drop one set per exercise",
    "Knee pain above 3/10 during a set: stop the exercise and switch to the listed alternative",
  },
  checkpoints = { { week = 4, test = "Pull-up negatives: 3 x 5 s" }, { week = 12, test = "One strict pull-up" } },
}

return {
  agent = "E8",
  cases = {
    {
      name = "rules cover load jumps, bad days and the SMART checkpoints",
      input_file = "examples/client.json",
      outputs = { E2 = E2, E4 = E4, E7 = E7 },
      replies = { { json = RULES } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "GOALS\n{"), "E2 is in the prompt")
        assert(has(user, "Week 12: one strict pull-up"), "the SMART goals reach E8")
        assert(has(user, "WEEK 1 PRESCRIPTIONS\n{"), "E7 is in the prompt")
        assert(has(user, "Stress: Moderate; high in the last two weeks of each quarter"), "stress is in the prompt")
        assert(has(calls[1].system, "2.5 kg lower body"), "the task names the load jumps")
        local knee = false
        for _, rule in ipairs(output.autoregulation) do knee = knee or has(rule, "Knee pain") end
        assert(knee, "a rule says what to do when the knee hurts")
        assert(output.checkpoints[#output.checkpoints].week == 12, "the last checkpoint tests the 12-week goal")
      end,
    },
  },
}
