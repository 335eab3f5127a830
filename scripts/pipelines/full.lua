-- Training and nutrition together. Training runs first so the N agents can align
-- energy, meal timing and training-day carbohydrate with the coach's plan
-- (they read ctx.outputs.E3/E5/E9 when present).
return pipeline {
  name = "full",
  title = "Training and nutrition plan",
  steps = { "training", "nutrition" },
  timeout = 3600,
}
