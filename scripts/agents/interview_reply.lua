-- interview_reply: answer one message in a requirements interview, in context.
local product = require("product")

local FIELDS = {
  { "reply", "the answer to the stakeholder's message: 2-6 sentences, summarising what you understood and what it means for the project" },
  { "follow_up_questions", "list of 1-3 open questions that close the most important gaps next (one topic each, no yes/no questions)" },
}

local TASK = [[
You are interviewing a stakeholder to gather the requirements for the project below.
Answer their latest message in the context of the conversation so far: confirm what you
understood in your own words, point out a conflict with the brief or with earlier answers
if there is one, and ask the follow-up questions that matter most for writing the backlog
(users, workflows, data, edge cases, constraints, success measures). Never ask a question
the conversation has already answered.]]

local MAX_HISTORY = 20  -- most recent messages kept in the prompt

return agent {
  name = "interview_reply", title = "Interview reply", phase = "interview",
  model = "gpt-4o-mini", temperature = 0.5, max_tokens = 800,
  output = { required = product.names(FIELDS) },
  run = function(input, ctx)
    local system = product.system(TASK, FIELDS, { backlog = false })
      .. "\n\n" .. template(product.brief_card, { brief = input.project or {} })

    -- the conversation so far as chat turns; roles other than "assistant" are the stakeholder
    local messages = {}
    local history = type(input.history) == "table" and input.history or {}
    local first = math.max(1, #history - MAX_HISTORY + 1)
    for i = first, #history do
      local turn = history[i]
      if type(turn) == "table" and type(turn.content) == "string" and turn.content ~= "" then
        messages[#messages + 1] = {
          role = (turn.role == "assistant") and "assistant" or "user",
          content = turn.content,
        }
      end
    end
    messages[#messages + 1] = { role = "user", content = tostring(input.message or "") }

    local reply = llm.chat { system = system, messages = messages, json = true }
    return reply.json
  end,
}
