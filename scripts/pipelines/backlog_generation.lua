-- Project brief -> epic -> user stories -> tasks per story (fan-out whose width is
-- known only after the stories agent has run). Deterministic given the step outputs,
-- so a resumed job replays finished agents and continues where it stopped.
return pipeline {
  name = "backlog_generation",
  title = "Backlog generation",
  timeout = 1800,
  run = function(input, ctx)
    job.progress(10, "Creating epic")
    local epic = run_agent("epic", input)
    job.progress(30, "Epic created: " .. tostring(epic.title))

    local stories = run_agent("stories", { brief = input, epic = epic })
    local items = stories.items
    if type(items) ~= "table" or #items == 0 then
      error("stories agent returned no user stories (field 'items' must be a non-empty list)")
    end
    job.progress(40, "Stories created: " .. #items .. "; breaking them into tasks")
    job.log("stories_created", #items .. " stories for epic '" .. tostring(epic.title) .. "'")

    local done = 0
    local tasks = parallel.map(items, function(story, i)
      local out = run_agent("tasks", { epic = epic, story = story })
      done = done + 1
      job.progress(40 + math.floor(55 * done / #items), "Tasks ready for " .. done .. " of " .. #items .. " stories")
      return out
    end, { concurrency = 5 })

    local tasks_created = 0
    for _, t in ipairs(tasks) do
      if type(t) == "table" and type(t.items) == "table" then tasks_created = tasks_created + #t.items end
    end
    job.progress(100, "Backlog ready: " .. #items .. " stories, " .. tasks_created .. " tasks")

    return {
      epic = epic,
      stories = items,
      tasks = tasks,
      stories_created = #items,
      tasks_created = tasks_created,
    }
  end,
}
