-- stories: the epic split into user stories; the input is { brief, epic }
-- as the backlog_generation pipeline builds it.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local BRIEF = {
  project = "Coach Review Portal",
  summary = "Coaches review, edit, approve and send generated training and nutrition plans.",
  users = "Coaches, the head coach, clients (through the existing mobile app)",
  goals = { "A coach reviews and sends a plan in under 10 minutes" },
  scope = { "Client list with plan status", "Plan review and inline editing", "Approve and send",
    "Login with Google Workspace" },
  out_of_scope = { "Payments and subscriptions" },
  constraints = "8 weeks, 2 developers, EU data residency",
}
local EPIC = {
  title = "Coach review and delivery of generated plans",
  description = "A portal to review, edit, approve and send plans.",
  goals = { "Under 10 minutes per plan" },
  acceptance_criteria = { "Google sign-in", "Status list", "Inline edits", "Approve and send" },
  open_questions = {},
}

local function story(id, title, points, priority)
  return { id = id, title = title, story = "As a coach, I want to " .. title:lower() .. ", so that I save time.",
    acceptance_criteria = { "Given ..., when ..., then ..." }, points = points, priority = priority }
end

return {
  agent = "stories",
  cases = {
    {
      name = "brief and epic reach the prompt; stories are sized and ordered",
      input = { brief = BRIEF, epic = EPIC },
      replies = { { json = { items = {
        story("S1", "Sign in with Google Workspace", 3, "must"),
        story("S2", "See my clients and their plan status", 5, "must"),
        story("S3", "Edit a generated plan inline", 8, "must"),
        story("S4", "Approve and send a plan to the app", 5, "must"),
        story("S5", "Regenerate a plan with a note", 3, "should"),
      } } } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "Project: Coach Review Portal"), "the brief is in the prompt")
        assert(has(user, "EPIC\n{"), "the epic follows its heading as JSON")
        assert(has(user, '"title":"Coach review and delivery of generated plans"'), "the epic's title")
        assert(has(user, "Out of scope: [\"Payments and subscriptions\"]"), "out of scope reaches the stories")
        assert(#output.items >= 4 and #output.items <= 8, "4-8 stories")
        local sizes = { [1] = true, [2] = true, [3] = true, [5] = true, [8] = true }
        local rank = { must = 1, should = 2, could = 3 }
        for i, s in ipairs(output.items) do
          assert(s.id == "S" .. i, "stories are numbered in order")
          assert(sizes[s.points], s.id .. " has points off the 1-2-3-5-8 scale")
          assert(s.story:match("^As a .+, I want .+, so that .+"), s.id .. " is not a user story")
          if i > 1 then assert(rank[s.priority] >= rank[output.items[i - 1].priority], "ordered by priority") end
        end
      end,
    },
  },
}
