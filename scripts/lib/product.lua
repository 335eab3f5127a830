-- Shared prompt fragments for the project-tool agents (epic, stories, tasks,
-- interview_reply): one product voice, one set of output rules.
--
-- Pure Lua only: no runtime globals (llm, template, json) are used here.

local M = {}

M.role = "You are a senior product manager and agile coach who has shipped B2B and "
  .. "consumer web products. You write backlogs that engineers can estimate and testers "
  .. "can verify, and you interview stakeholders to find what they actually need."

M.tone = [[
Tone: concise, concrete, neutral. Use the project's own vocabulary. No buzzwords, no
filler ("seamless", "robust", "leverage"). Prefer a specific example to a general claim.]]

M.rules = [[
Backlog rules:
- Stay inside the project brief: do not invent integrations, users or features it does
  not mention; if something important is unclear, record it as an open question.
- User stories follow "As a <user>, I want <capability>, so that <benefit>" and are small
  enough for one sprint, independent and testable (INVEST).
- Acceptance criteria are observable behaviour (Given/When/Then or a checkable sentence).
- Estimates: story points on 1, 2, 3, 5, 8; tasks in hours (1-16).]]

M.output_rules = [[
Output rules:
- Reply with ONE JSON object and nothing else: no markdown, no code fences, no comments.
- Use exactly the field names listed above; every listed field must be present.
- Numbers as JSON numbers; lists as JSON arrays.]]

function M.describe_fields(fields)
  local lines = { "Fields to return:" }
  for _, f in ipairs(fields) do lines[#lines + 1] = "- " .. f[1] .. ": " .. f[2] end
  return table.concat(lines, "\n")
end

function M.names(fields)
  local names = {}
  for i, f in ipairs(fields) do names[i] = f[1] end
  return names
end

-- The system prompt: role, tone, (backlog rules), the agent's task, fields, output rules.
function M.system(task, fields, opts)
  opts = opts or {}
  local parts = { M.role, M.tone }
  if opts.backlog ~= false then parts[#parts + 1] = M.rules end
  parts[#parts + 1] = "Your task:\n" .. task
  if fields then parts[#parts + 1] = M.describe_fields(fields) end
  parts[#parts + 1] = M.output_rules
  return table.concat(parts, "\n\n")
end

-- The project brief as every agent shows it; render with template(..., { brief = input }).
M.brief_card = [[
PROJECT BRIEF
Project: {{brief.project}}
Summary: {{brief.summary}}
Users: {{brief.users}}
Goals: {{brief.goals}}
In scope: {{brief.scope}}
Out of scope: {{brief.out_of_scope}}
Constraints: {{brief.constraints}}
]]

return M
