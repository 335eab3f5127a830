-- interview_reply: the conversation becomes chat turns; the brief is in the
-- system prompt.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local REPLY = {
  reply = "So the two edits that matter most are swapping exercises and adjusting portions; "
    .. "the head coach check is an optional second approval rather than a gate for every plan.",
  follow_up_questions = {
    "Which client details should send a plan to the head coach for a second approval?",
    "Where should exercise alternatives come from when a coach swaps one?",
  },
}

-- A long conversation: 25 turns, alternating, numbered so the kept ones are visible.
local long_history = {}
for i = 1, 25 do
  long_history[i] = { role = (i % 2 == 1) and "assistant" or "user", content = "turn " .. i }
end

return {
  agent = "interview_reply",
  cases = {
    {
      name = "history becomes chat turns and the brief is in the system prompt",
      input_file = "examples/interview.json",
      replies = { { json = REPLY } },
      expect = function(output, calls)
        local m = calls[1].messages
        assert(#m == 4, "three history turns and the new message, got " .. #m)
        assert(m[1].role == "assistant" and m[2].role == "user" and m[3].role == "assistant", "roles are kept")
        assert(m[4].role == "user" and has(m[4].content, "changing portion sizes"), "the new message comes last")
        assert(calls[1].user == m[4].content, "calls[1].user is the last user message")
        local system = calls[1].system
        assert(has(system, "PROJECT BRIEF\nProject: Coach Review Portal"), "the brief is in the system prompt")
        assert(has(system, "Constraints: 8 weeks, 2 developers"), "the brief's constraints")
        assert(not has(system, "Backlog rules:"), "no backlog rules in an interview")
        assert(has(system, "Never ask a question"), "the interview task")
        assert(#output.follow_up_questions >= 1 and #output.follow_up_questions <= 3, "1-3 follow-up questions")
        for _, q in ipairs(output.follow_up_questions) do assert(q:sub(-1) == "?", q .. " is not a question") end
      end,
    },
    {
      name = "only the last 20 turns are kept; empty turns are dropped",
      input = { project = { project = "Portal" }, history = long_history, message = "One more thing." },
      replies = { { json = REPLY } },
      expect = function(_, calls)
        local m = calls[1].messages
        assert(#m == 21, "20 turns and the message, got " .. #m)
        assert(m[1].content == "turn 6", "the oldest kept turn is 6, got " .. m[1].content)
        assert(m[20].content == "turn 25")
        assert(has(calls[1].system, "Project: Portal"))
        assert(has(calls[1].system, "Summary: (not provided)"), "missing brief fields are visible")
      end,
    },
    {
      name = "other roles count as the stakeholder and blank turns vanish",
      input = { project = {}, message = "Hello",
        history = { { role = "system", content = "Be nice" }, { role = "assistant", content = "" }, { role = "assistant", content = "Hi!" } } },
      replies = { { json = REPLY } },
      expect = function(_, calls)
        local m = calls[1].messages
        assert(#m == 3, "the empty turn is dropped, got " .. #m)
        assert(m[1].role == "user" and m[1].content == "Be nice", "a system turn is the stakeholder's")
        assert(m[2].role == "assistant" and m[3].content == "Hello")
      end,
    },
  },
}
