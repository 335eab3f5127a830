-- E3 (training capacity): the capacity estimate sees the client card and the
-- earlier agents' profile and goals, and a reply missing a field is re-asked.
local E1 = {
  profile = "Laura, 34, project manager, wants fat loss, strength and a first pull-up in 12 weeks; 4 x 60 min a week.",
  training_age = "early intermediate: 8 months of machines and classes, free-weight technique still new",
  constraints = { "4 sessions of 60 min", "left knee patellofemoral pain: no deep lunges or running" },
  risk_flags = { "knee pain history: monitor pain during and 24 h after lower-body sessions" },
}
local E2 = {
  primary_goal = "Full-body strength with a pulling focus for a first pull-up, alongside slow fat loss",
  smart_goals = { "Week 12: one strict pull-up from a full hang" },
  priorities = { "pain-free knee", "consistency", "vertical pulling strength" },
  limitations = { "knee: box squats and hinges instead of lunges" },
}
local CAPACITY = {
  sessions_per_week = 4,
  session_minutes = 60,
  weekly_set_budget = { quads = 10, hamstrings_glutes = 12, chest = 8, back = 14, shoulders = 8, arms = 4, core = 9 },
  recovery = "moderate: 7 h sleep and a desk job help, but a calorie deficit and quarter-end stress keep volume near the low end",
  intensity_ceiling = "Main lifts at 1-3 RIR, never to failure; anything loading the left knee stays at 2 RIR or more",
}

return {
  agent = "E3",
  cases = {
    {
      name = "early intermediate with knee pain",
      input_file = "examples/client.json",
      outputs = { E1 = E1, E2 = E2 },
      replies = { { json = CAPACITY } },
      expect = function(output, calls)
        assert(#calls == 1, "one LLM call expected")
        assert(output.sessions_per_week <= 4, "never more sessions than the client offered")
        assert(output.weekly_set_budget.back == 14, "the set budget is passed through")
        local user = calls[1].user
        assert(user:find("patellofemoral", 1, true), "the prompt must carry the client's knee injury")
        assert(user:find("4 days/week, 60 min/session", 1, true), "the prompt must carry the availability")
        assert(user:find("early intermediate: 8 months", 1, true), "the prompt must carry E1's profile analysis")
        assert(user:find("vertical pulling strength", 1, true), "the prompt must carry E2's priorities")
        assert(not user:find("(not provided)", 1, true), "no placeholder may be left empty")
        assert(calls[1].system:find("Safety rules", 1, true), "the system prompt must carry the safety rules")
        assert(calls[1].json, "E3 asks for JSON")
      end,
    },
    {
      name = "alone, without earlier outputs, the prompt says what is missing",
      input_file = "examples/client.json",
      replies = { { json = CAPACITY } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(user:find("PROFILE ANALYSIS\n(not provided)", 1, true), "a missing E1 output renders as (not provided)")
        assert(user:find("Laura Bennett", 1, true), "the client card is still there")
      end,
    },
    {
      name = "a reply without intensity_ceiling is re-asked once",
      input_file = "examples/client.json",
      outputs = { E1 = E1, E2 = E2 },
      replies = {
        { json = { sessions_per_week = 4, session_minutes = 60, weekly_set_budget = CAPACITY.weekly_set_budget,
                   recovery = CAPACITY.recovery } },
        { json = CAPACITY },
      },
      expect = function(output, calls)
        assert(#calls == 2, "the client re-asks once")
        assert(calls[2].user:find("intensity_ceiling", 1, true), "the re-ask names the missing field")
        assert(output.intensity_ceiling:find("2 RIR", 1, true), "the second reply is the output")
      end,
    },
    {
      name = "two unusable replies fail the agent",
      input_file = "examples/client.json",
      replies = { { text = "Sure! Four sessions a week sounds right." }, { text = "As I said: four sessions." } },
      expect_error = "invalid reply from the model after one re-ask",
    },
  },
}
