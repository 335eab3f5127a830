-- stories: split the epic into user stories (their number is decided here, at run time).
local product = require("product")

local FIELDS = {
  { "items", "list of 4-8 user stories, each { id (\"S1\", \"S2\"...), title, story (\"As a ..., I want ..., so that ...\"), acceptance_criteria (list), points, priority (\"must\", \"should\", \"could\") }, ordered by priority then dependency" },
}

local TASK = [[
Split the epic into user stories that together deliver it. Cover every acceptance
criterion of the epic, keep each story independently shippable and testable, put the
walking skeleton (the thinnest end-to-end path) first, and do not add stories for
anything the brief puts out of scope.]]

local PROMPT = product.brief_card .. [[

EPIC
{{epic}}

Write the user stories.]]

return agent {
  name = "stories", title = "User stories from epic", phase = "backlog",
  model = "gpt-4o-mini", temperature = 0.4, max_tokens = 3000,
  output = { required = product.names(FIELDS) },
  run = function(input, ctx)
    -- input: { brief = <project brief>, epic = <epic output> }
    local reply = llm.chat {
      system = product.system(TASK, FIELDS),
      messages = { { role = "user", content = template(PROMPT, { brief = input.brief, epic = input.epic }) } },
      json = true,
    }
    return reply.json
  end,
}
