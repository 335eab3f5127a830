-- E1 (client profile analysis): reads the whole intake form, including the
-- free-text notes, and classifies training age and risks.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local PROFILE = {
  profile = "Laura is a 34-year-old project manager (168 cm, 72 kg) who wants to lose about 5 kg of fat, get stronger "
    .. "and do her first unassisted pull-up within 12 weeks. She sits most of the day, walks about 7,500 steps and can "
    .. "train four times a week for 60 minutes in a well-equipped gym.",
  training_age = "early intermediate: 8 months of consistent training, but only 5 coached free-weight sessions",
  constraints = {
    "4 sessions a week, 60 minutes each including warm-up",
    "Left knee patellofemoral pain history: avoid deep lunges, running and jumping",
    "Occasional desk-related lower-back tightness",
  },
  risk_flags = { "Knee pain history: monitor pain during and 24 h after lower-body sessions" },
}

return {
  agent = "E1",
  cases = {
    {
      name = "the intake form and notes reach the prompt",
      input_file = "examples/client.json",
      replies = { { json = PROFILE } },
      expect = function(output, calls)
        assert(#calls == 1, "E1 makes one call")
        assert(output.training_age:match("^early intermediate"), "training age is classified")
        assert(#output.constraints >= 3, "constraints are a list")
        local user = calls[1].user
        assert(has(user, "Name: Laura Bennett | Age: 34 | Sex: female"), "the client card opens the prompt")
        assert(has(user, "Injuries: Left knee: patellofemoral pain"), "injuries are in the prompt")
        assert(has(user, "Additional notes from the client: Afternoon snacking"), "the notes are in the prompt")
        assert(has(user, "Medications: Combined oral contraceptive pill"), "medications are in the prompt")
        assert(not has(user, "(not provided)"), "every field of the intake form is filled")
        local system = calls[1].system
        assert(has(system, "certified strength and conditioning coach"), "E1 speaks as the coach")
        assert(has(system, "- risk_flags:"), "the system prompt lists the output fields")
        assert(has(system, "Reply with ONE JSON object"), "the output rules are in the system prompt")
        assert(calls[1].json, "E1 asks for JSON")
      end,
    },
    {
      name = "a medical condition is in the prompt and flagged",
      input_file = "examples/client.json",
      input = { medical_conditions = "Type 2 diabetes, on metformin since 2022", medications = "Metformin 500 mg" },
      replies = { { json = {
        profile = PROFILE.profile,
        training_age = PROFILE.training_age,
        constraints = PROFILE.constraints,
        risk_flags = { "Type 2 diabetes on medication: needs clearance from her doctor before starting; "
          .. "check blood glucose around sessions" },
      } } },
      expect = function(output, calls)
        assert(has(calls[1].user, "Medical conditions: Type 2 diabetes, on metformin since 2022"), calls[1].user)
        assert(has(calls[1].system, "diabetes on medication"), "the safety rules name the condition")
        assert(has(output.risk_flags[1], "clearance"), "the flag asks for medical clearance")
      end,
    },
    {
      name = "a short intake form says what is missing instead of failing",
      input = { name = "Tom", age = 51, sex = "male", goal = "Get fit for hiking" },
      replies = { { json = {
        profile = "Tom, 51, wants to get fit for hiking; most of the intake form is empty.",
        training_age = "novice (assumed: no training history given)",
        constraints = { "Availability unknown: assume 2-3 sessions of 45 minutes" },
        risk_flags = { "Age over 50 with no medical information: ask about heart health before hard efforts" },
      } } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "Name: Tom | Age: 51 | Sex: male"), user)
        assert(has(user, "Injuries: (not provided)"), "missing fields render as (not provided)")
        assert(has(user, "Additional notes from the client: (not provided)"), "missing notes are visible")
        assert(output.training_age:match("^novice"), "the reply is passed through")
      end,
    },
  },
}
