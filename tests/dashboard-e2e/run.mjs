// One browser run over the whole dashboard for the C# acceptance tests (tests/Settlement.Tests/Dashboard).
// stdin, first line: { baseUrl, chromium, output, keys: { Operator, Finance, ... }, renderRoles: [...], liveChargerId }.
// stdout: JSON lines. {"type":"live-online"} asks the harness to disconnect the live charger, which answers with a line
// {"type":"disconnected"} on stdin; the last line is {"type":"results", results} with, per check, what was checked and
// every problem found. The script judges nothing as passed: it reports, the tests assert.
import { createInterface } from "node:readline";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const input = createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();
const config = JSON.parse((await lines.next()).value);
const say = (message) => process.stdout.write(JSON.stringify(message) + "\n");

// Routes of each page id: the menu route first; detail routes are added for the operator from the API's first items.
const menuRoutes = {
  network: "/network", kpis: "/kpis", sessions: "/sessions", money: "/money",
  energy: "/energy", operations: "/operations", evidence: "/evidence",
};
// Which endpoint a named figure comes from; any other figure must be a number of one of the page's answers.
const figureSources = {
  uptime: /^\/api\/kpis\/uptime/,
  "charge-success": /^\/api\/kpis\/charge-success/,
  utilisation: /^\/api\/kpis\/utilisation/,
  rating: /^\/api\/kpis\/ratings/,
  vat: /^\/api\/exports\/vat/,
  ageing: /^\/api\/receivables\/ageing/,
  "grid-limit": /^\/api\/sites\/[^/]+\/power-(report|model)/,
  "peak-managed": /^\/api\/sites\/[^/]+\/power-report/,
  "peak-unmanaged": /^\/api\/sites\/[^/]+\/power-report/,
  "energy-kwh": /^\/api\/(sessions\/[^/?]+(\/price)?(\?|$)|sites\/[^/]+\/power-report)/,
  "total-excl-vat": /^\/api\/sessions\/[^/?]+\/price/,
  "chain-head": /^\/api\/audit\/chain/,
};
// Figures of a period: they must come from a request for the period the page says it shows.
const periodFigures = new Set(["uptime", "charge-success", "utilisation", "rating", "vat"]);

const results = {
  render: { checked: [], problems: [] },
  figures: { checked: [], problems: [] },
  downloads: { files: [], problems: [] },
  refusals: { checked: [], problems: [] },
  live: { checked: [], problems: [] },
  screenshots: { folder: config.output, files: [], problems: [] },
  accessibility: { checked: [], problems: [] },
};

async function api(key, url) {
  const response = await fetch(new URL(url, config.baseUrl), { headers: { Authorization: `Bearer ${key}`, Accept: "application/json" } });
  const text = await response.text();
  let body = text;
  try { body = JSON.parse(text); } catch { /* CSV or plain text: numbers are read from its cells */ }
  return { status: response.status, body };
}

/** Every number in a JSON answer (numeric strings included: money amounts are strings), or in a CSV's cells. */
function numbers(value, into = []) {
  if (typeof value === "number") into.push(value);
  else if (typeof value === "string") {
    const cells = value.includes("\n") || value.includes(",") ? value.split(/[\n,]/) : [value];
    for (const cell of cells) if (/^-?\d+(\.\d+)?$/.test(cell.trim())) into.push(Number(cell));
  } else if (Array.isArray(value)) value.forEach((v) => numbers(v, into));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => numbers(v, into));
  return into;
}

/** The numbers of the parts of an answer about `key` (a site, a jurisdiction, a bucket): objects naming it, properties called it. */
function slice(value, key, into = []) {
  if (Array.isArray(value)) value.forEach((v) => slice(v, key, into));
  else if (value && typeof value === "object") {
    if (Object.values(value).some((v) => v === key)) numbers(value, into);
    else for (const [name, v] of Object.entries(value)) {
      if (name === key) numbers(v, into);
      else slice(v, key, into);
    }
  }
  return into;
}

const same = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

async function launch() {
  return await chromium.launch({
    executablePath: config.chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

/** A tab signed in with the role's key, recording console errors and failed requests against the route being visited. */
async function signedIn(browser, role) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  // Playwright waits for ever by default: a page that never shows its sign-in form must fail the run, not hang it.
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const tab = { role, page, context, visit: null };
  const note = (what) => tab.visit?.errors.push(what);
  page.on("console", (message) => {
    if (message.type() === "error") note(`console error: ${message.text()} (${message.location().url || "no source"})`);
  });
  page.on("pageerror", (error) => note(`uncaught: ${error.message}`));
  page.on("requestfailed", (request) => {
    const failure = request.failure()?.errorText ?? "";
    // Leaving a page closes its live stream on purpose.
    if (failure.includes("ERR_ABORTED") && request.url().includes("/api/live/")) return;
    note(`request failed: ${request.method()} ${request.url()} (${failure})`);
  });
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith("/api/")) tab.visit?.calls.push(`${request.method()} ${url.pathname}${url.search}`);
    // The GETs a figure may come from; a live stream never ends, so it is not one to ask again.
    if (request.method() === "GET" && url.pathname.startsWith("/api/") && !url.pathname.startsWith("/api/live/"))
      tab.visit?.requests.push(url.pathname + url.search);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) note(`HTTP ${response.status()} from ${response.request().method()} ${response.url()}`);
  });
  tab.visit = { errors: [], requests: [], calls: [] };
  await page.goto(new URL("/dashboard/#/sign-in", config.baseUrl).toString());
  await page.getByLabel("API key").fill(config.keys[role]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForSelector('main[data-ready="true"]:not([data-testid="page-sign-in"])', { timeout: 20_000 });
  if (tab.visit.errors.length) results.render.problems.push(`${role} signing in: ${tab.visit.errors.join("; ")}`);
  // Signing in lands on the role's first page; a page that asks for nothing comes between, so that every visit starts
  // with a change of hash and records only its own requests.
  await open(tab, "/e2e-between-pages", "not-found");
  return tab;
}

/** Opens a route in the signed-in tab and waits for its page to finish its first render. */
async function open(tab, route, pageId, timeout = 20_000) {
  tab.visit = { role: tab.role, route, pageId, errors: [], requests: [], calls: [] };
  await tab.page.evaluate((hash) => {
    document.querySelector("main")?.setAttribute("data-e2e-left", "true");
    location.hash = hash;
  }, `#${route}`);
  try {
    await tab.page.waitForSelector(`main[data-testid="page-${pageId}"][data-ready="true"]:not([data-e2e-left])`, { timeout });
    tab.visit.ready = true;
  } catch {
    tab.visit.ready = false;
  }
  return tab.visit;
}

async function screenshots(tab, name) {
  for (const [width, height] of [[1280, 800], [375, 812]]) {
    await tab.page.setViewportSize({ width, height });
    const file = path.join(config.output, `${name}-${width}x${height}.png`);
    try {
      await tab.page.screenshot({ path: file, fullPage: true });
      results.screenshots.files.push(file);
    } catch (error) {
      results.screenshots.problems.push(`${name} at ${width}×${height}: ${error.message}`);
    }
  }
  await tab.page.setViewportSize({ width: 1280, height: 800 });
}

const axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");

async function accessibility(tab, label) {
  // Evaluated through the browser's debugging protocol: the dashboard's CSP rightly refuses inline scripts in the page.
  await tab.page.evaluate(axeSource);
  const violations = await tab.page.evaluate(async () =>
    (await window.axe.run(document, { resultTypes: ["violations"] })).violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`));
  results.accessibility.checked.push(label);
  for (const violation of violations) results.accessibility.problems.push(`${label}: ${violation}`);
}

/** The figures a page shows, each with its text checked against format.ts and its value against the API. */
async function figures(tab, label) {
  const shown = await tab.page.evaluate(() => {
    const root = document.querySelector("main");
    const format = window.settlementFormat;
    return {
      from: root.getAttribute("data-from"), through: root.getAttribute("data-through"),
      figures: [...root.querySelectorAll("[data-figure]")].map((element) => {
        const raw = element.getAttribute("data-value");
        const value = Number(raw);
        const text = element.textContent.replace(/\s+/g, " ").trim();
        const currency = /\b([A-Z]{3})$/.exec(text)?.[1];
        const renderings = new Set();
        if (format && raw !== null && Number.isFinite(value)) for (let decimals = 0; decimals <= 4; decimals++) {
          for (const scaled of [value, value / 1000]) {
            renderings.add(format.kwh(scaled, decimals));
            renderings.add(format.kw(scaled, decimals));
          }
          renderings.add(format.number(value, decimals));
          renderings.add(format.percent(value, decimals));
          renderings.add(format.ratio(value, decimals));
          if (currency) renderings.add(format.money(value, currency));
        }
        return {
          name: element.getAttribute("data-figure"), raw, text, formatted: renderings.has(text),
          key: element.getAttribute("data-site") ?? element.getAttribute("data-jurisdiction") ?? element.getAttribute("data-bucket"),
          site: element.getAttribute("data-site"),
        };
      }),
      formatExposed: typeof format?.number === "function",
    };
  });
  if (!shown.formatExposed) results.figures.problems.push(`${label}: window.settlementFormat is missing`);
  const key = config.keys[tab.role];
  const answers = new Map();
  const answer = async (url) => {
    if (!answers.has(url)) answers.set(url, await api(key, url));
    return answers.get(url);
  };
  for (const figure of shown.figures) {
    const what = `${label} ${figure.name}${figure.key ? `[${figure.key}]` : ""} = ${figure.raw} shown as "${figure.text}"`;
    results.figures.checked.push(what);
    const value = Number(figure.raw);
    // The API stated no figure (null): the page says so with a dash, the one rendering format.ts gives it.
    if (figure.raw === "") {
      if (figure.text !== "–") results.figures.problems.push(`${what}: the API gave no figure, but the page shows one`);
      continue;
    }
    if (figure.raw === null || !Number.isFinite(value)) {
      results.figures.problems.push(`${what}: data-value is not the API's raw number`);
      continue;
    }
    if (!figure.formatted) results.figures.problems.push(`${what}: the text is not settlementFormat's rendering of ${figure.raw}`);
    // The page's own requests for the figure's endpoint, asked again here; a figure of a period must come from a
    // request for the period the page states.
    const source = figureSources[figure.name];
    let urls = [...new Set(tab.visit.requests.filter((url) => !source || source.test(url)))];
    if (periodFigures.has(figure.name)) {
      if (!shown.from || !shown.through) {
        results.figures.problems.push(`${what}: the page does not state its period (data-from, data-through)`);
        continue;
      }
      const other = urls;
      urls = urls.filter((url) => {
        const query = new URL(url, config.baseUrl).searchParams;
        return query.get("from") === shown.from && query.get("through") === shown.through;
      });
      if (urls.length === 0) {
        results.figures.problems.push(`${what}: the page states ${shown.from} to ${shown.through} but asked ${other.join(", ") || "nothing"}`);
        continue;
      }
    }
    if (urls.length === 0) {
      results.figures.problems.push(`${what}: the page never asked the API for it`);
      continue;
    }
    const candidates = [];
    for (const url of urls) {
      const { status, body } = await answer(url);
      if (status !== 200) {
        // A figure of no named source is sought in every answer of the page; a failed one is the render check's to report.
        if (source) results.figures.problems.push(`${what}: GET ${url} answered ${status}`);
        continue;
      }
      const part = figure.key ? slice(body, figure.key) : [];
      candidates.push(...(part.length ? part : numbers(body)));
    }
    if (!candidates.some((c) => same(c, value)))
      results.figures.problems.push(`${what}: not among the API's figures from ${urls.join(", ")} (${[...new Set(candidates)].slice(0, 12).join(", ")}${candidates.length > 12 ? ", ..." : ""})`);
  }
}

/** Every page the role may see (and, for the operator, a charger, a session and a site's energy page): rendered, shot, checked. */
async function tour(browser, role) {
  const tab = await signedIn(browser, role);
  const { body: me } = await api(config.keys[role], "/api/access/me");
  const routes = (me.pages ?? []).filter((id) => menuRoutes[id]).map((id) => ({ id, route: menuRoutes[id], name: id }));
  if (role === "Operator") {
    const first = async (url, pick) => { const { status, body } = await api(config.keys[role], url); return status === 200 ? pick(body) : null; };
    const charger = await first("/api/chargers?limit=1", (b) => b.items?.[0]?.chargerId);
    const session = await first("/api/sessions?limit=1&status=Stopped", (b) => b.items?.[0]?.sessionId);
    const site = await first("/api/sites?limit=1", (b) => b.items?.[0]?.siteId);
    if (charger && me.pages.includes("network")) routes.push({ id: "network", route: `/network/chargers/${encodeURIComponent(charger)}`, name: "charger" });
    if (session && me.pages.includes("sessions")) routes.push({ id: "sessions", route: `/sessions/${encodeURIComponent(session)}`, name: "session" });
    if (site && me.pages.includes("energy")) routes.push({ id: "energy", route: `/energy/${encodeURIComponent(site)}`, name: "energy-site" });
  }
  for (const { id, route, name } of routes) {
    const label = `${role} #${route}`;
    const visit = await open(tab, route, id);
    results.render.checked.push(label);
    if (!visit.ready) results.render.problems.push(`${label}: main[data-testid="page-${id}"] never reached data-ready="true"`);
    for (const error of visit.errors) results.render.problems.push(`${label}: ${error}`);
    // A page shows an API error or its own failure in an alert instead of failing silently: on demo data, none is expected.
    for (const alert of await tab.page.locator('main [role="alert"]').allTextContents())
      results.render.problems.push(`${label}: the page shows an error: ${alert.trim()}`);
    if (visit.ready) {
      // The network pages' figures come from the live stream, which cannot be asked again: the live check covers them.
      if (id !== "network") await figures(tab, label);
      await accessibility(tab, label);
    }
    await screenshots(tab, `${role.toLowerCase()}-${name}`);
  }
  return tab;
}

/** Documents downloaded through the money page's links, as a user would: the harness checks what arrived. */
async function downloads(tab) {
  const visit = await open(tab, menuRoutes.money, "money");
  if (!visit.ready) {
    results.downloads.problems.push("the money page never became ready, so nothing could be downloaded");
    return;
  }
  for (const format of ["pdf", "csv"]) {
    const link = tab.page.locator(`tr[data-invoice] a[data-download="${format}"]`).first();
    if ((await link.count()) === 0) {
      results.downloads.problems.push(`no invoice row has a link a[data-download="${format}"]`);
      continue;
    }
    try {
      const [download] = await Promise.all([tab.page.waitForEvent("download", { timeout: 15_000 }), link.click()]);
      const file = path.join(config.output, `download-${format}-${download.suggestedFilename()}`);
      await download.saveAs(file);
      results.downloads.files.push({ format, file, suggested: download.suggestedFilename() });
    } catch (error) {
      results.downloads.problems.push(`clicking a[data-download="${format}"] gave no download: ${error.message.split("\n")[0]}`);
    }
  }
  for (const error of visit.errors) results.downloads.problems.push(`money page: ${error}`);
}

/** Pages a role may not see: refused in the browser, missing from its menu, and none of their data asked for. */
async function refusals(browser, role) {
  const { body: me } = await api(config.keys[role], "/api/access/me");
  const refused = Object.keys(menuRoutes).filter((id) => !(me.pages ?? []).includes(id));
  if (refused.length === 0) return;
  const tab = await signedIn(browser, role);
  for (const id of refused) {
    const label = `${role} #${menuRoutes[id]}`;
    results.refusals.checked.push({ role, page: id });
    const visit = await open(tab, menuRoutes[id], id);
    if (!visit.ready) results.refusals.problems.push(`${label}: the page never reached data-ready="true"`);
    if ((await tab.page.locator('main [data-testid="refused"]').count()) === 0)
      results.refusals.problems.push(`${label}: no [data-testid="refused"] shown`);
    const inMenu = await tab.page.locator(`nav a[href="#${menuRoutes[id]}"]`).count();
    if (inMenu) results.refusals.problems.push(`${label}: the menu links to it`);
    const asked = visit.calls.filter((call) => !call.startsWith("GET /api/access/me"));
    if (asked.length) results.refusals.problems.push(`${label}: asked the API for ${asked.join(", ")}`);
    if (id === refused[0]) await screenshots(tab, `${role.toLowerCase()}-refused-${id}`);
  }
  await tab.context.close();
}

/** The network page's row of the live charger turns Offline, without a reload, once the harness disconnects it. */
async function live(browser) {
  const tab = await signedIn(browser, "Operator");
  const id = config.liveChargerId;
  const status = tab.page.locator(`tr[data-charger="${id}"] [data-field="status"]`);
  const visit = await open(tab, menuRoutes.network, "network");
  results.live.checked.push(`Operator #/network, charger ${id}`);
  const waitFor = async (text, timeout) => {
    try {
      await tab.page.waitForFunction(([selector, want]) => document.querySelector(selector)?.textContent.trim() === want,
        [`tr[data-charger="${id}"] [data-field="status"]`, text], { timeout });
      return true;
    } catch {
      return false;
    }
  };
  const online = visit.ready && await waitFor("Online", 15_000);
  if (!online) {
    const shown = (await status.count()) ? (await status.first().textContent()).trim() : "no such row";
    results.live.problems.push(`charger ${id} was never shown Online on the network page (shows: ${shown})`);
  }
  await tab.page.evaluate(() => { window.e2eNotReloaded = true; });
  say({ type: "live-online", chargerId: id, shown: online });
  const reply = await lines.next();
  if (reply.done || JSON.parse(reply.value).type !== "disconnected") throw new Error("the harness did not say the charger disconnected");
  const started = Date.now();
  if (online) {
    const offline = await waitFor("Offline", 10_000);
    const seconds = (Date.now() - started) / 1000;
    if (!offline) results.live.problems.push(`charger ${id} still shows "${(await status.first().textContent()).trim()}" 10 s after it disconnected`);
    else results.live.checked.push(`Offline ${seconds.toFixed(1)} s after the disconnect`);
    if (!(await tab.page.evaluate(() => window.e2eNotReloaded === true))) results.live.problems.push("the page reloaded to show the change");
  }
  await screenshots(tab, "operator-network-live");
  await tab.context.close();
}

/** A stage that fails counts against its own check, and the others still run. */
async function stage(check, what, run) {
  say({ type: "progress", what: `${what}: started` });
  try {
    await run();
    say({ type: "progress", what: `${what}: done` });
  } catch (error) {
    results[check].problems.push(`${what} stopped: ${error.message.split("\n")[0]}`);
    say({ type: "progress", what: `${what}: stopped: ${error.message.split("\n")[0]}` });
  }
}

await mkdir(config.output, { recursive: true });
// A host that does not serve the dashboard fails every check the same way: say it once, quickly.
const shell = await fetch(new URL("/dashboard/", config.baseUrl));
if (!shell.ok) {
  say({ type: "results", results: { ...results, error: `the host does not serve the dashboard: GET /dashboard/ answered ${shell.status}` } });
  process.exit(0);
}
const browser = await launch();
try {
  await stage("live", "the live status check", () => live(browser));
  for (const role of config.renderRoles) await stage("render", `${role}'s tour`, async () => {
    const tab = await tour(browser, role);
    if (role === "Operator") await stage("downloads", "downloading", () => downloads(tab));
    await tab.context.close();
  });
  for (const role of Object.keys(config.keys)) await stage("refusals", `${role}'s refusals`, () => refusals(browser, role));
} catch (error) {
  results.error = error.stack ?? String(error);
} finally {
  say({ type: "progress", what: "closing the browser" });
  await browser.close();
}
say({ type: "results", results });
