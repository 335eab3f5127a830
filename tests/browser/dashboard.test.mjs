// Browser test of the dashboard (server/web/) against a running `agentry serve`
// with the mock LLM. Usage: node dashboard.test.mjs BASE_URL [ARTIFACT_DIR]
// (tests/browser/run.sh starts the server and calls this). Prints one line per
// check and ends with "N passed, M failed"; exits 1 on any failure.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  assert, createHarness, mockPlans, progressOnlyIncreases, sampleJobPage, testSetup, timelineFillsStepByStep,
} from "./harness.mjs";

const { root, base, artifacts } = testSetup("dashboard.test.mjs");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const { E9, N8 } = mockPlans(root);

const shot = (page, name) => page.screenshot({ path: join(artifacts, name), fullPage: true });

// The whole run must stay short; a hang is a failure, not a stuck CI job.
const { check, fail, finish } = createHarness(100_000);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
context.setDefaultTimeout(10_000);
const page = await context.newPage();
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));
page.on("console", (m) => { if (m.type() === "error" && !/status of 40[14]|net::ERR_FAILED/.test(m.text())) pageErrors.push(m.text()); });
page.on("dialog", (d) => d.accept()); // the confirm() of cancel and delete

const jobIdFromUrl = (url) => (new URL(url).hash.match(/^#\/jobs\/([0-9a-f]+)$/) || [])[1];
let firstId = null;
let secondId = null;

try {
  await check("the samples served to the form equal examples/*.json", async () => {
    for (const f of ["client.json", "backlog.json", "interview.json"]) {
      const res = await fetch(`${base}/static/samples/${f}`);
      assert(res.ok, `GET /static/samples/${f}: HTTP ${res.status}`);
      const served = await res.json();
      const source = JSON.parse(readFileSync(join(root, "examples", f), "utf8"));
      assert(JSON.stringify(served) === JSON.stringify(source), `server/web/samples/${f} differs from examples/${f}; copy it again`);
    }
  });

  await check("the dashboard opens at / with the job list", async () => {
    await page.goto(`${base}/`);
    await page.locator("h1", { hasText: "Jobs" }).waitFor();
    await page.locator("#jobs").waitFor();
  });

  await check("the form lists the pipelines and is prefilled with the sample client", async () => {
    await page.getByRole("link", { name: "New job", exact: true }).first().click();
    await page.locator("#pipeline option[value=full]").waitFor({ state: "attached" });
    const names = await page.locator("#pipeline option").evaluateAll((os) => os.map((o) => o.value));
    for (const p of ["training", "nutrition", "full", "backlog_generation", "interview_message"])
      assert(names.includes(p), `pipeline ${p} missing from ${names}`);
    await page.locator("#pipeline").selectOption("full");
    await page.waitForFunction(() => document.getElementById("input").value.includes("Laura Bennett"));
  });

  await check("invalid JSON is refused in the form", async () => {
    const input = page.locator("#input");
    const good = await input.inputValue();
    await input.fill("{ not json");
    await page.locator("#submit").click();
    await page.locator("#input-error").waitFor({ state: "visible" });
    assert((await input.getAttribute("aria-invalid")) === "true", "textarea not marked invalid");
    await input.fill(good);
  });

  await check("submitting a full job lands on its page", async () => {
    await page.locator("#submit").click();
    await page.waitForURL(/#\/jobs\/[0-9a-f]+$/);
    firstId = jobIdFromUrl(page.url());
    assert(firstId, `no job id in ${page.url()}`);
  });

  // Sample the page in the browser every 50 ms until the job has finished.
  const samples = await page.evaluate(sampleJobPage, 45_000);

  await check("the progress bar moves: sampled values strictly increase while running", () => {
    console.log(`  progress samples: ${progressOnlyIncreases(samples).join(" → ")}`);
  });

  await check("the agent timeline fills while the job runs", () => timelineFillsStepByStep(samples, 18));

  await check("the job page is live through the event stream", () => {
    assert(samples.some((s) => s.live === "stream"), `live modes seen: ${[...new Set(samples.map((s) => s.live))]}`);
  });

  await check("the job completes with all 18 agents done", async () => {
    await page.locator('#job-status [data-status="completed"]').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#timeline tbody tr[data-state="completed"]').length === 18);
  });

  await check("the training plan is shown readably (E9 title, sessions, exercise table)", async () => {
    await page.locator("#training-plan h3", { hasText: E9.title }).waitFor();
    const rows = await page.locator("#training-plan details[open] table.exercises tbody tr").count();
    assert(rows >= 3, `only ${rows} exercise rows in the open week`);
    await page.locator("#training-plan", { hasText: E9.weeks[0].sessions[0].exercises[0].name }).waitFor();
  });

  await check("the nutrition plan is shown readably (daily targets and a meal table)", async () => {
    await page.locator("#nutrition-plan h3", { hasText: N8.title }).waitFor();
    await page.locator("#nutrition-plan .targets", { hasText: "kcal" }).waitFor();
    const meal = N8.meal_plan[0].meals[0].name;
    await page.locator("#nutrition-plan table.meals td", { hasText: meal }).first().waitFor();
  });

  await check("raw JSON is one click away", async () => {
    await page.locator("#show-raw").click();
    const raw = JSON.parse(await page.locator("#result-raw").textContent());
    assert(raw.training && raw.training.E9 && raw.nutrition && raw.nutrition.N8, "raw JSON lacks training.E9 / nutrition.N8");
    await page.getByRole("button", { name: "Readable" }).click();
  });

  await check("edit & re-run opens the form with the job's pipeline and input", async () => {
    const doc = await (await fetch(`${base}/api/v1/jobs/${firstId}?input=1`)).json();
    assert(doc.input && doc.input.name === "Laura Bennett", "GET ?input=1 did not return the submitted input");
    await page.locator("#rerun-edit").click();
    await page.waitForURL(/#\/new\?from=[0-9a-f]+$/);
    await page.waitForFunction(() => document.getElementById("pipeline").value === "full");
    await page.waitForFunction((want) => {
      try { return JSON.stringify(JSON.parse(document.getElementById("input").value)) === want; } catch { return false; }
    }, JSON.stringify(doc.input));
    await page.goBack();
    await page.locator('#job-status [data-status="completed"]').waitFor();
  });

  await check("the execution log shows the run", async () => {
    await page.locator('#log li[data-event="agent_completed"]').first().waitFor();
    await page.locator('#log li[data-event="completed"]').waitFor();
  });
  await shot(page, "job-completed-1280.png");

  // Second job: re-run the first with the event stream blocked, so the page
  // has to fall back to polling; cancel it from its page.
  await page.route("**/api/v1/jobs/*/events", (route) => route.abort());
  await check("re-run starts a second job and lands on its page", async () => {
    await page.locator("#rerun").click();
    await page.waitForURL((u) => { const id = jobIdFromUrl(u.toString()); return Boolean(id && id !== firstId); });
    secondId = jobIdFromUrl(page.url());
  });

  await check("without the event stream the page polls", async () => {
    await page.waitForFunction(() => document.getElementById("live")?.dataset.live === "polling");
  });

  await check("cancel from the job page marks the job cancelled", async () => {
    await page.locator("#cancel:not([disabled])").click();
    await page.locator('#job-status [data-status="cancelled"]').waitFor();
    await page.locator("#job-error", { hasText: "Cancelled" }).waitFor();
    assert(await page.locator("#cancel").isDisabled(), "cancel is still enabled");
    const doc = await (await fetch(`${base}/api/v1/jobs/${secondId}`)).json();
    assert(doc.status === "cancelled", `the API says ${doc.status}`);
  });
  await page.unroute("**/api/v1/jobs/*/events");
  await shot(page, "job-cancelled-1280.png");

  await check("the list filters by status", async () => {
    await page.goto(`${base}/#/`);
    await page.locator("#filter-status").selectOption("cancelled");
    await page.locator(`#jobs tr[data-id="${secondId}"] [data-status="cancelled"]`).waitFor();
    assert((await page.locator(`#jobs tr[data-id="${firstId}"]`).count()) === 0, "a completed job shows under 'cancelled'");
    await page.locator("#filter-status").selectOption("");
    await page.locator(`#jobs tr[data-id="${firstId}"] [data-status="completed"]`).waitFor();
  });
  await shot(page, "list-1280.png");

  await page.goto(`${base}/#/scripts`);
  await page.locator("#scripts-version").waitFor();
  await shot(page, "scripts-1280.png");

  // Phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  const noSideScroll = async (what) => {
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(w <= 390, `${what} is ${w} px wide at a 390 px viewport`);
  };
  await check("at 390 px the list fits the screen", async () => {
    await page.goto(`${base}/#/`);
    await page.locator(`#jobs tr[data-id="${firstId}"]`).waitFor();
    await noSideScroll("the list");
    await shot(page, "list-390.png");
  });
  await check("at 390 px the job page fits the screen", async () => {
    await page.goto(`${base}/#/jobs/${firstId}`);
    await page.locator("#training-plan h3").waitFor();
    await noSideScroll("the job page");
    await page.screenshot({ path: join(artifacts, "job-390.png") });
    await shot(page, "job-390-full.png");
  });
  await check("at 390 px the form fits the screen", async () => {
    await page.goto(`${base}/#/new`);
    await page.waitForFunction(() => document.getElementById("input").value.length > 10);
    await noSideScroll("the form");
    await shot(page, "new-390.png");
  });
  await page.setViewportSize({ width: 1280, height: 900 });

  await check("delete removes a finished job and returns to the list", async () => {
    await page.goto(`${base}/#/jobs/${secondId}`);
    await page.locator("#delete:not([disabled])").click();
    await page.waitForURL(/#\/$/);
    const res = await fetch(`${base}/api/v1/jobs/${secondId}`);
    assert(res.status === 404, `GET of the deleted job: HTTP ${res.status}`);
  });

  // Other results and failures, started through the API.
  const post = async (pipeline, input) => {
    const res = await fetch(`${base}/api/v1/jobs`, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ pipeline, input }) });
    assert(res.status === 202, `POST ${pipeline}: HTTP ${res.status}`);
    return (await res.json()).job_id;
  };
  await check("a failed job shows its reason and message", async () => {
    const id = await post("interview_message", {});
    await page.goto(`${base}/#/jobs/${id}`);
    await page.locator('#job-status [data-status="failed"]').waitFor();
    await page.locator("#job-error", { hasText: "script_error" }).waitFor();
    await page.locator("#job-error", { hasText: "input.message" }).waitFor();
  });
  await check("other results are shown as a readable outline", async () => {
    const id = await post("interview_message", JSON.parse(readFileSync(join(root, "examples/interview.json"), "utf8")));
    await page.goto(`${base}/#/jobs/${id}`);
    await page.locator('#job-status [data-status="completed"]').waitFor();
    await page.locator("#result-readable dl.outline dt", { hasText: "Reply" }).waitFor();
    await page.locator("#result-readable dl.outline dt", { hasText: "Follow up questions" }).waitFor();
  });

  // Auth is not in the server yet: a route that answers 401 without the
  // bearer token stands in for it.
  await check("a 401 asks for a token and sends it as a bearer token", async () => {
    let sent = null;
    await page.route("**/api/v1/scripts", async (route) => {
      const auth = route.request().headers().authorization;
      if (auth !== "Bearer test-token") {
        await route.fulfill({ status: 401, contentType: "application/json",
          body: JSON.stringify({ error: { code: "unauthorized", message: "a token is needed" } }) });
        return;
      }
      sent = auth;
      await route.continue();
    });
    await page.goto(`${base}/#/scripts`);
    await page.locator("#token-dialog[open]").waitFor();
    await page.screenshot({ path: join(artifacts, "token-dialog-1280.png") });
    await page.locator("#token-input").fill("test-token");
    await page.getByRole("button", { name: "Use token" }).click();
    await page.locator("#scripts-version").waitFor();
    assert(sent === "Bearer test-token", `Authorization sent: ${sent}`);
    await page.unroute("**/api/v1/scripts");
    await page.evaluate(() => sessionStorage.clear());
  });

  await check("no script errors on the pages", () => {
    assert(pageErrors.length === 0, pageErrors.slice(0, 3).join(" | "));
  });
} catch (e) {
  fail(`unexpected: ${e.message}`);
} finally {
  await browser.close().catch(() => {});
}
console.log(`screenshots in ${artifacts}`);
finish();
