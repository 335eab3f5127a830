-- tasks: one user story broken into engineering tasks (run once per story
-- inside parallel.map); the input is { epic, story }.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local EPIC = { title = "Coach review and delivery of generated plans",
  description = "A portal to review, edit, approve and send plans." }
local STORY = {
  id = "S1",
  title = "Sign in with Google Workspace",
  story = "As a coach, I want to sign in with my studio Google account, so that I need no other password.",
  acceptance_criteria = {
    "Given a studio account, when I sign in, then I see my client list",
    "Given an account outside the studio domain, when I sign in, then access is refused",
    "Every sign-in is written to the access log",
  },
  points = 3,
  priority = "must",
}
local TASKS = { items = {
  { title = "Google OAuth client and domain check", description = "Configure the OAuth client and refuse other domains.",
    type = "backend", estimate_hours = 6, depends_on = {} },
  { title = "Sign-in page and session handling", description = "Sign-in button, 12 h idle expiry, error message.",
    type = "frontend", estimate_hours = 6, depends_on = { "Google OAuth client and domain check" } },
  { title = "Access log entry per sign-in", description = "Write user, time and result to the access log.",
    type = "backend", estimate_hours = 3, depends_on = { "Google OAuth client and domain check" } },
  { title = "Tests for the acceptance criteria", description = "One test per criterion, in CI.",
    type = "test", estimate_hours = 5, depends_on = { "Sign-in page and session handling", "Access log entry per sign-in" } },
} }

return {
  agent = "tasks",
  cases = {
    {
      name = "the story and the epic reach the prompt; tasks are estimable",
      input = { epic = EPIC, story = STORY },
      replies = { { json = TASKS } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "EPIC\nCoach review and delivery of generated plans: A portal to review"), "epic title: description")
        assert(has(user, "USER STORY\n{"), "the story follows its heading as JSON")
        assert(has(user, "access is refused"), "the story's acceptance criteria are in the prompt")
        assert(not has(calls[1].system, "PROJECT BRIEF"), "tasks work from the story, not the brief")
        assert(#output.items >= 3 and #output.items <= 6, "3-6 tasks")
        local titles, types = {}, { backend = true, frontend = true, data = true, test = true, devops = true, design = true }
        for _, t in ipairs(output.items) do titles[t.title] = true end
        for _, t in ipairs(output.items) do
          assert(t.estimate_hours >= 1 and t.estimate_hours <= 16, t.title .. ": 1-16 hours")
          assert(types[t.type], t.title .. ": unknown type " .. tostring(t.type))
          for _, dep in ipairs(t.depends_on) do assert(titles[dep], t.title .. " depends on a missing task: " .. dep) end
        end
      end,
    },
  },
}
