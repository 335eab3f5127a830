-- The client's nutrition plan: nine dietitian agents, each building on the earlier ones.
return pipeline {
  name = "nutrition",
  title = "Nutrition plan",
  steps = { "N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8" },
  timeout = 1800,
}
