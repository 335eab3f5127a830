-- Answer one stakeholder message in a requirements interview.
-- input: { project = <brief>, history = { { role, content }, ... }, message = "..." }
-- result: { reply = "...", follow_up_questions = { ... } }
return pipeline {
  name = "interview_message",
  title = "Interview reply",
  timeout = 300,
  run = function(input, ctx)
    if type(input) ~= "table" or type(input.message) ~= "string" or input.message == "" then
      error("interview_message: input.message (a non-empty string) is required")
    end
    job.progress(10, "Reading the conversation")
    local answer = run_agent("interview_reply", input)
    job.progress(100, "Reply ready")
    return answer
  end,
}
