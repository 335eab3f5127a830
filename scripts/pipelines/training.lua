-- The client's training plan: nine coaching agents, each building on the earlier ones.
return pipeline {
  name = "training",
  title = "Training plan",
  steps = { "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9" },
  timeout = 1800,
}
