-- epic: the project brief becomes one epic with clear boundaries.
local function has(text, part) return text:find(part, 1, true) ~= nil end

local EPIC = {
  title = "Coach review and delivery of generated plans",
  description = "Coaches copy generated plans into emails, which takes 30-45 minutes per client and loses their edits. "
    .. "This epic delivers a portal to review, edit, approve and send plans. Payments and app features are out of scope.",
  goals = { "A coach reviews, edits and sends a plan in under 10 minutes (median)",
    "100 % of delivered plans have a recorded coach approval" },
  acceptance_criteria = {
    "Coaches sign in with their studio Google Workspace account",
    "The client list shows each client's plan status",
    "Edits are saved as a new plan version",
    "Approve and send delivers the approved version to the client's app",
  },
  open_questions = { "Does the app API accept a structured plan, or only text or PDF?" },
}

return {
  agent = "epic",
  cases = {
    {
      name = "the brief card carries scope, out of scope and constraints",
      input_file = "examples/backlog.json",
      replies = { { json = EPIC } },
      expect = function(output, calls)
        local user = calls[1].user
        assert(has(user, "PROJECT BRIEF\nProject: Coach Review Portal"), "the brief card opens the prompt")
        assert(has(user, "Out of scope: [\"Client-facing features in the mobile app\""), "out of scope as a JSON list")
        assert(has(user, "Launch within 8 weeks with 2 full-stack developers"), "the constraints are in the prompt")
        assert(not has(user, "(not provided)"), "every brief field is filled")
        assert(has(calls[1].system, "senior product manager"), "the product voice")
        assert(has(calls[1].system, "Backlog rules:"), "the backlog rules")
        assert(#output.title:gsub("%S+", "") <= 8, "the title has at most 8 words")
        assert(#output.acceptance_criteria >= 3 and #output.acceptance_criteria <= 6, "3-6 acceptance criteria")
      end,
    },
    {
      name = "a brief without constraints says so in the prompt",
      input = { project = "Studio waitlist", summary = "Let clients join a waitlist for full classes.",
        users = "Clients and front-desk staff", goals = { "No more phone waitlists" }, scope = { "Join and leave a waitlist" } },
      replies = { { json = {
        title = "Class waitlist", description = "Clients join a waitlist for full classes online.",
        goals = { "No phone waitlists" }, acceptance_criteria = { "Join", "Leave", "Notify" },
        open_questions = { "What are the constraints on budget and launch date?" },
      } } },
      expect = function(output, calls)
        assert(has(calls[1].user, "Constraints: (not provided)"), calls[1].user)
        assert(has(calls[1].user, "Out of scope: (not provided)"), "a missing field is visible")
        assert(#output.open_questions == 1, "the gap becomes an open question")
      end,
    },
  },
}
