// The dashboard in Firefox (Debian's firefox-esr, driven by puppeteer-core
// over WebDriver BiDi; playwright-core can only drive its own patched
// Firefox builds). The path a person takes: open the list, submit a `full`
// job from the form, watch it live, read the plan, fall back to polling
// without EventSource, cancel a job, and the phone width.
// Usage: node dashboard.firefox.test.mjs BASE_URL [ARTIFACT_DIR]
import puppeteer from "puppeteer-core";
import { join } from "node:path";
import {
  assert, createHarness, mockPlans, progressOnlyIncreases, sampleJobPage, testSetup, timelineFillsStepByStep,
} from "./harness.mjs";

const { root, base, artifacts } = testSetup("dashboard.firefox.test.mjs");

const FIREFOX = process.env.FIREFOX || "/usr/bin/firefox-esr";
const { E9, N8 } = mockPlans(root);

const { check, fail, finish } = createHarness(100_000);

const browser = await puppeteer.launch({ browser: "firefox", executablePath: FIREFOX, headless: true });
const page = await browser.newPage();
page.setDefaultTimeout(10_000);
await page.setViewport({ width: 1280, height: 900 });
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));
page.on("dialog", (d) => d.accept()); // the confirm() of cancel

const shot = (name) => page.screenshot({ path: join(artifacts, name), fullPage: true });
const jobIdOnPage = () => page.evaluate(() => (location.hash.match(/^#\/jobs\/([0-9a-f]+)$/) || [])[1]);
const waitForText = (selector, text) =>
  page.waitForFunction((s, t) => [...document.querySelectorAll(s)].some((e) => e.textContent.includes(t)), {}, selector, text);
const noSideScroll = async (what) => {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(w <= 390, `${what} is ${w} px wide at a 390 px viewport`);
};

let firstId = null;
let secondId = null;

try {
  console.log(`  browser: ${await browser.version()}`);

  await check("firefox: the dashboard opens at / with the job list", async () => {
    await page.goto(`${base}/`);
    await waitForText("h1", "Jobs");
    await page.waitForSelector("#jobs");
  });

  await check("firefox: the form lists the pipelines and is prefilled with the sample client", async () => {
    await page.click('a.button[href="#/new"]');
    await page.waitForSelector("#pipeline option[value=full]");
    await page.select("#pipeline", "full");
    await page.waitForFunction(() => document.getElementById("input").value.includes("Laura Bennett"));
  });

  await check("firefox: submitting a full job lands on its page", async () => {
    await page.click("#submit");
    await page.waitForFunction(() => /^#\/jobs\/[0-9a-f]+$/.test(location.hash));
    firstId = await jobIdOnPage();
  });

  const samples = await page.evaluate(sampleJobPage, 45_000);
  await check("firefox: the progress bar moves and the timeline fills", () => {
    console.log(`  progress samples: ${progressOnlyIncreases(samples).join(" → ")}`);
    timelineFillsStepByStep(samples, 18);
  });
  await check("firefox: the job page is live through the event stream", () => {
    assert(samples.some((s) => s.live === "stream"), `live modes seen: ${[...new Set(samples.map((s) => s.live))]}`);
  });

  await check("firefox: the completed plan is readable (training and nutrition)", async () => {
    await page.waitForSelector('#job-status [data-status="completed"]');
    await waitForText("#training-plan h3", E9.title);
    await waitForText("#nutrition-plan h3", N8.title);
    await waitForText("#nutrition-plan table.meals td", N8.meal_plan[0].meals[0].name);
  });
  await shot("firefox-job-completed-1280.png");

  await check("firefox: at 390 px the job page and the list fit the screen", async () => {
    await page.setViewport({ width: 390, height: 844 });
    await page.waitForSelector("#training-plan h3");
    await noSideScroll("the job page");
    await shot("firefox-job-390.png");
    await page.goto(`${base}/#/`);
    await page.waitForSelector(`#jobs tr[data-id="${firstId}"]`);
    await noSideScroll("the list");
    await page.setViewport({ width: 1280, height: 900 });
  });

  // A browser without EventSource: the page has to poll.
  await page.evaluateOnNewDocument(() => { delete window.EventSource; });
  await check("firefox: re-run starts a second job, which the page follows by polling", async () => {
    await page.goto(`${base}/#/jobs/${firstId}`);
    await page.reload(); // a new document, so the script above runs
    assert(await page.evaluate(() => !("EventSource" in window)), "EventSource is still there");
    await page.waitForSelector('#job-status [data-status="completed"]');
    await page.click("#rerun");
    await page.waitForFunction((first) => {
      const m = location.hash.match(/^#\/jobs\/([0-9a-f]+)$/);
      return m && m[1] !== first;
    }, {}, firstId);
    secondId = await jobIdOnPage();
    await page.waitForFunction(() => document.getElementById("live")?.dataset.live === "polling");
  });

  await check("firefox: cancel from the job page marks the job cancelled", async () => {
    await page.click("#cancel:not([disabled])");
    await page.waitForSelector('#job-status [data-status="cancelled"]');
    const doc = await (await fetch(`${base}/api/v1/jobs/${secondId}`)).json();
    assert(doc.status === "cancelled", `the API says ${doc.status}`);
  });
  await shot("firefox-job-cancelled-1280.png");

  await check("firefox: no script errors on the pages", () => {
    assert(pageErrors.length === 0, pageErrors.slice(0, 3).join(" | "));
  });
} catch (e) {
  fail(`unexpected: ${e.message}`);
} finally {
  await browser.close().catch(() => {});
}
finish();
