-- wrk script for the poll scenario of tools/bench/run: GET /api/v1/jobs/{id}
-- of a random job from the file named by BENCH_IDS (one id a line).
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end

request = function()
  return wrk.format("GET", "/api/v1/jobs/" .. ids[math.random(#ids)])
end
