import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// What both browser tests share: numbered checks that print one line each, a
// watchdog so a hang fails instead of stalling CI, and the in-page sampler
// that records how the job page changes while a job runs.
// The command line both tests take: BASE_URL [ARTIFACT_DIR].
export function testSetup(script) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const base = (process.argv[2] || "").replace(/\/$/, "");
  const artifacts = process.argv[3] || join(root, "tests", "browser", "artifacts");
  if (!base) {
    console.error(`usage: node ${script} BASE_URL [ARTIFACT_DIR]`);
    process.exit(2);
  }
  mkdirSync(artifacts, { recursive: true });
  return { root, base, artifacts };
}

// The mock LLM's final training (E9) and nutrition (N8) plans the pages must show.
export function mockPlans(root) {
  const read = (agent) => JSON.parse(readFileSync(join(root, `scripts/agents/${agent}.mock.json`), "utf8"));
  return { E9: read("E9"), N8: read("N8") };
}

export function createHarness(limitMs) {
  let passed = 0;
  let failed = 0;
  const report = () => console.log(`${passed} passed, ${failed} failed`);
  const watchdog = setTimeout(() => {
    failed++;
    console.log(`FAIL - the test took longer than ${limitMs / 1000} s`);
    report();
    process.exit(1);
  }, limitMs);
  return {
    async check(name, fn) {
      try {
        const r = await fn();
        if (r === false) throw new Error("condition not met");
        passed++;
        console.log(`ok - ${name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL - ${name}: ${String(e && e.message ? e.message : e).split("\n")[0]}`);
      }
    },
    fail(message) {
      failed++;
      console.log(`FAIL - ${message}`);
    },
    // Prints the summary line and exits with the test's status.
    finish() {
      clearTimeout(watchdog);
      report();
      process.exit(failed ? 1 : 0);
    },
  };
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Runs in the page (pass it to page.evaluate): every 50 ms until the job
// shown has finished, the progress bar's value, the status badge, the number
// of agent rows and completed rows, and how the page stays live.
export async function sampleJobPage(limitMs) {
  const out = [];
  const t0 = performance.now();
  while (performance.now() - t0 < limitMs) {
    const bar = document.getElementById("progress-bar");
    const status = document.querySelector("#job-status .badge")?.dataset.status || "";
    out.push({
      v: bar ? Number(bar.getAttribute("aria-valuenow")) : NaN,
      status,
      rows: document.querySelectorAll("#timeline tbody tr[data-agent]").length,
      done: document.querySelectorAll('#timeline tbody tr[data-state="completed"]').length,
      live: document.getElementById("live")?.dataset.live || "",
    });
    if (["completed", "failed", "cancelled"].includes(status)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return out;
}

// The assertions over sampleJobPage's records; each throws on a failure.
export function progressOnlyIncreases(samples) {
  const running = samples.filter((s) => s.status === "running" && s.v < 100).map((s) => s.v);
  const distinct = running.filter((v, i) => i === 0 || v !== running[i - 1]);
  for (let i = 1; i < distinct.length; i++) assert(distinct[i] > distinct[i - 1], `progress went back: ${distinct.join(" → ")}`);
  assert(distinct.length >= 2, `only ${distinct.length} distinct value(s) seen while running: ${distinct.join(", ")}`);
  return distinct;
}

export function timelineFillsStepByStep(samples, agents) {
  const counts = samples.map((s) => s.done).filter((v, i, a) => i === 0 || v !== a[i - 1]);
  for (let i = 1; i < counts.length; i++) assert(counts[i] > counts[i - 1], `completed rows went back: ${counts.join(" → ")}`);
  assert(counts.length >= 3, `completed rows did not fill step by step: ${counts.join(" → ")}`);
  assert(samples.some((s) => s.rows === agents), `the pipeline does not show ${agents} agent rows`);
}
