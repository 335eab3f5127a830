-- tasks: break one user story into engineering tasks (run once per story, in parallel).
local product = require("product")

local FIELDS = {
  { "items", "list of 3-6 tasks, each { title, description, type (\"backend\", \"frontend\", \"data\", \"test\", \"devops\", \"design\"), estimate_hours, depends_on (list of task titles) }" },
}

local TASK = [[
Break one user story into the engineering tasks needed to ship it, including tests and
any migration or configuration. Each task is one person's work of 1-16 hours with a
verifiable result. Refer to the story's acceptance criteria so every one of them is
covered by at least one task.]]

local PROMPT = [[
EPIC
{{epic.title}}: {{epic.description}}

USER STORY
{{story}}

Break the story into tasks.]]

return agent {
  name = "tasks", title = "Tasks from user story", phase = "backlog",
  model = "gpt-4o-mini", temperature = 0.3, max_tokens = 1500,
  output = { required = product.names(FIELDS) },
  run = function(input, ctx)
    -- input: { epic = <epic output>, story = <one item of stories.items> }
    local reply = llm.chat {
      system = product.system(TASK, FIELDS),
      messages = { { role = "user", content = template(PROMPT, { epic = input.epic, story = input.story }) } },
      json = true,
    }
    return reply.json
  end,
}
