-- epic: the project brief becomes one epic that frames the backlog.
local product = require("product")

local FIELDS = {
  { "title", "the epic's name, at most 8 words" },
  { "description", "3-5 sentences: the problem, who has it and what will be delivered" },
  { "goals", "list of 2-4 measurable outcomes, e.g. \"coaches send a reviewed plan in under 10 minutes\"" },
  { "acceptance_criteria", "list of 3-6 conditions that make the epic done" },
  { "open_questions", "list of questions for the stakeholders; empty list if none" },
}

local TASK = [[
Write the epic for the project brief: the single body of work that delivers the brief's
goals within its scope and constraints. It will be split into user stories next, so make
the boundaries clear (what is in, what is explicitly out).]]

local PROMPT = product.brief_card .. [[

Write the epic.]]

return agent {
  name = "epic", title = "Epic from project brief", phase = "backlog",
  model = "gpt-4o-mini", temperature = 0.3, max_tokens = 1200,
  output = { required = product.names(FIELDS) },
  run = function(input, ctx)
    local reply = llm.chat {
      system = product.system(TASK, FIELDS),
      messages = { { role = "user", content = template(PROMPT, { brief = input }) } },
      json = true,
    }
    return reply.json
  end,
}
