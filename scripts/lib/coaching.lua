-- Shared prompt fragments for the fitness agents (E1..E9 training, N0..N8
-- nutrition). Every agent builds its system prompt with coaching.system(), so
-- the voice, the safety rules and the output rules live here, once.
--
-- Pure Lua only: no runtime globals (llm, template, json) are used here.

local M = {}

M.roles = {
  coach = "You are a certified strength and conditioning coach (CSCS) with fifteen years of "
    .. "experience programming for general-population clients: busy adults, beginners returning "
    .. "to training, people working around old injuries. You write programmes that are safe, "
    .. "simple to follow and built on compound movements and progressive overload.",
  dietitian = "You are a registered dietitian specialising in sports nutrition and body-composition "
    .. "change. You work from evidence-based position stands (ISSN, ACSM, EFSA reference values) "
    .. "and turn them into food people actually buy, cook and enjoy.",
}

M.tone = [[
Tone: plain, warm and direct, like a professional talking to a client they respect.
Prefer concrete numbers and instructions over general advice. No hype, no guilt, no
moralising about food or bodies. Explain the reason behind a choice in one short sentence
when it helps the client follow it.]]

M.safety = [[
Safety rules (these override everything else):
- You do not diagnose or treat medical conditions. If the client reports chest pain,
  fainting, uncontrolled blood pressure, diabetes on medication, pregnancy, a current
  or past eating disorder, kidney disease or a recent surgery, say that they need
  clearance from their doctor before starting and keep recommendations conservative.
- Work around injuries: never load a painful movement; choose pain-free variations and
  tell the client to stop an exercise that causes sharp or worsening pain.
- Allergies are absolute: never include an allergen or a food likely to contain it.
- No energy target below 1500 kcal for men or 1200 kcal for women, no deficit above
  25 % of maintenance, no weight loss faster than 1 % of body weight per week.
- No prescription drugs, no banned or unproven supplements, no extreme protocols
  (fasting for days, detoxes, training to failure every set).]]

M.output_rules = [[
Output rules:
- Reply with ONE JSON object and nothing else: no markdown, no code fences, no comments.
- Use exactly the field names listed above; every listed field must be present.
- Metric units (kg, cm, g, ml, kcal, minutes, seconds); numbers as JSON numbers.
- Write in English, for the client or the next specialist, not about yourself.
- If information you need is missing, say so in the relevant field and make a
  conservative, clearly labelled assumption instead of inventing facts.]]

-- Render an ordered list of { "field", "what it holds" } pairs as a prompt block.
function M.describe_fields(fields)
  local lines = { "Fields to return:" }
  for _, f in ipairs(fields) do
    lines[#lines + 1] = "- " .. f[1] .. ": " .. f[2]
  end
  return table.concat(lines, "\n")
end

-- The names of an ordered field list, for agent{ output = { required = ... } }.
function M.names(fields)
  local names = {}
  for i, f in ipairs(fields) do names[i] = f[1] end
  return names
end

-- The full system prompt: role, tone, safety, the agent's own task, its fields
-- and the output rules. role is "coach" or "dietitian".
function M.system(role, task, fields)
  local who = M.roles[role]
  if not who then error("coaching.system: unknown role '" .. tostring(role) .. "'", 2) end
  local parts = { who, M.tone, M.safety, "Your task:\n" .. task }
  if fields then parts[#parts + 1] = M.describe_fields(fields) end
  parts[#parts + 1] = M.output_rules
  return table.concat(parts, "\n\n")
end

-- The client card every agent starts its user prompt with. Render it with
-- template(..., { client = input, ... }); all fields exist in examples/client.json.
M.client_card = [[
CLIENT
Name: {{client.name}} | Age: {{client.age}} | Sex: {{client.sex}}
Height: {{client.height_cm}} cm | Weight: {{client.weight_kg}} kg
Goal: {{client.goal}}
Target date: {{client.target_date}}
Training experience: {{client.experience}}
Training history: {{client.training_history}}
Availability: {{client.days_per_week}} days/week, {{client.session_minutes}} min/session, preferred days {{client.preferred_days}}, usually trains {{client.training_time}}
Equipment: {{client.equipment}}
Injuries: {{client.injuries}}
Medical conditions: {{client.medical_conditions}} | Medications: {{client.medications}}
Daily activity: {{client.activity_level}} ({{client.occupation}}), about {{client.daily_steps}} steps/day
Sleep: {{client.sleep_hours}} h/night | Stress: {{client.stress_level}}
]]

-- One line about the client, for agents that do not need the whole card.
M.client_line = [[
CLIENT
{{client.name}}, {{client.age}} y, {{client.sex}}, {{client.height_cm}} cm, {{client.weight_kg}} kg. Goal: {{client.goal}}
]]

-- The nutrition part of the client card, for the N agents.
M.diet_card = [[
EATING
Diet preference: {{client.diet_preferences}}
Allergies: {{client.allergies}}
Dislikes: {{client.food_dislikes}}
Meals per day: {{client.meals_per_day}} | Cooking time: {{client.cooking_time}} | Food budget: {{client.budget}}
Current supplements: {{client.current_supplements}}
Alcohol: {{client.alcohol}} | Water today: {{client.water_l}} l/day
]]

-- What the N agents know about training. In pipeline "full" the coach's agents
-- ran first (ctx.outputs.E3/E5/E9 are there): use their plan. Otherwise fall back
-- to the client's own report. Returns a table; template() renders it as JSON.
function M.training_context(outputs, client)
  outputs = outputs or {}
  client = client or {}
  if outputs.E9 then
    local ctx = { source = "coach's training plan from this job (align nutrition with it)" }
    local plan = outputs.E9
    ctx.plan_title = plan.title
    local capacity = outputs.E3
    if type(capacity) == "table" then
      ctx.sessions_per_week = capacity.sessions_per_week
      ctx.session_minutes = capacity.session_minutes
    end
    if type(outputs.E5) == "table" and outputs.E5.schedule then
      ctx.schedule = outputs.E5.schedule
    elseif type(plan.weeks) == "table" and type(plan.weeks[1]) == "table" then
      local days = {}
      for _, s in ipairs(plan.weeks[1].sessions or {}) do
        if type(s) == "table" then days[#days + 1] = { day = s.day, focus = s.focus, duration_min = s.duration_min } end
      end
      ctx.schedule = days
    end
    return ctx
  end
  return {
    source = "client's own report (no coach plan in this job)",
    sessions_per_week = client.days_per_week,
    session_minutes = client.session_minutes,
    preferred_days = client.preferred_days,
    training_time = client.training_time,
    training_history = client.training_history,
  }
end

-- The call nearly every E/N agent makes: its role's system prompt with the
-- agent's task and fields, one user message rendered from `prompt` and
-- `vars`, a JSON reply; returns the parsed output.
function M.ask(role, task, fields, prompt, vars)
  return llm.chat {
    system = M.system(role, task, fields),
    messages = { { role = "user", content = template(prompt, vars) } },
    json = true,
  }.json
end

return M
