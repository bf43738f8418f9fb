// Energy: the sites that share their power, and per site the grid limit, the allocations over time stacked per EVSE,
// the grid's throttling signals (on the chart and listed) and the month's peak against the peak without management.
import { periodForm, periodOf, dayAfter } from "../shell/period";
import type { Api } from "../shell/api";
import { stackedAreaChart } from "../shell/charts";
import { card, errorBox, figure, h, s, table } from "../shell/dom";
import * as format from "../shell/format";
import type { Page, PageContext } from "../shell/page";

interface Site { siteId: string; name: string; timeZone: string; gridCapacityKw: number | null }
interface Listing<T> { items: T[]; next: string | null }

interface SessionAllocation { sessionId: string; chargerId: string; evseId: number; limitAmps: number; status: string }
interface CircuitLoad { circuitId: string; limitAmpsPerPhase: number | null; limitKw: number | null; allocatedKw: number }
interface Decision { version: number; recordedAt: string; decision: { decidedAt: string; signalsInForce: string[]; sessions: SessionAllocation[]; circuits: CircuitLoad[]; trigger: string } }

interface GridSignal { signalId: string; kind: string; circuitId: string | null; capPercent: number | null; capKw: number | null; from: string; until: string; source: string | null; withdrawnAt: string | null }

interface PowerReport {
  month: string; timeZone: string; gridLimitKw: number | null; peakKw: number | null; peakIntervalStart: string | null;
  unmanagedPeakKw: number | null; unmanagedPeakIntervalStart: string | null; energyKwh: number; sessions: number; sessionsSlowed: number;
}

/** Decisions drawn at most: two pages of the API's largest. A longer period shows its latest decisions and says so. */
const maxDecisions = 2000;

interface LiveAllocations { siteId: string; version: number | null; decidedAt: string | null; modelVersion: number | null }

async function renderList(root: HTMLElement, api: Api): Promise<void> {
  root.append(h("h1", {}, "Energy"), h("p", {}, "Sites whose power the balancer shares under a power model; open one for its allocations, signals and peaks."));
  const sites = await api.get<Listing<Site>>("/api/sites?limit=1000");
  // A site's latest allocation names the power model it was decided under: a site without one has no model in use.
  const latest = await Promise.all(sites.items.map((site) => api.get<LiveAllocations>(`/api/sites/${encodeURIComponent(site.siteId)}/allocations`)));
  root.append(table<Site>("Sites", [
    { header: "Site", cell: (site) => h("a", { href: `#/energy/${encodeURIComponent(site.siteId)}` }, `${site.name} (${site.siteId})`) },
    { header: "Time zone", cell: (site) => site.timeZone },
    { header: "Grid capacity", cell: (site) => figure("grid-capacity", site.gridCapacityKw, format.kw(site.gridCapacityKw, 0), { "data-site": site.siteId }), numeric: true },
    { header: "Power sharing", cell: (site) => {
      const live = latest[sites.items.indexOf(site)];
      return live.modelVersion === null ? "No power model in use" : `Power model v${live.modelVersion}, last decision ${format.local(live.decidedAt, site.timeZone)}`;
    } },
  ], sites.items, (site) => ({ "data-site": site.siteId, "data-balanced": String(latest[sites.items.indexOf(site)].modelVersion !== null) })));
}

async function decisionsOf(api: Api, siteId: string, from: string, through: string): Promise<{ decisions: Decision[]; more: boolean }> {
  const decisions: Decision[] = [];
  let cursor: string | null = null;
  do {
    const ask = new URLSearchParams({ from: `${from}T00:00:00Z`, to: `${dayAfter(through)}T00:00:00Z`, limit: "1000" });
    if (cursor) ask.set("cursor", cursor);
    const page: Listing<Decision> = await api.get(`/api/sites/${encodeURIComponent(siteId)}/allocations/history?${ask}`);
    decisions.push(...page.items);
    cursor = page.next;
  } while (cursor && decisions.length < maxDecisions);
  // The API answers newest first; the chart reads left to right in time.
  return { decisions: decisions.reverse(), more: cursor !== null };
}

/** Which signals were in force at each decision, as the decisions recorded them: a band under the chart, one row per signal. */
function signalStrip(decisions: Decision[], signalIds: string[]): HTMLElement {
  const width = 760, left = 64, right = 16, row = 14;
  const step = decisions.length > 1 ? (width - left - right) / (decisions.length - 1) : 0;
  const svg = s("svg", { viewBox: `0 0 ${width} ${row * signalIds.length + 4}`, role: "img", "aria-label": "Grid signals in force at each decision; the signals are listed in the table below." },
    signalIds.map((id, index) => s("g", { "data-signal": id },
      s("text", { x: left - 6, y: index * row + 11, "text-anchor": "end", class: "strip-label" }, id),
      decisions.map((d, i) => d.decision.signalsInForce.includes(id)
        ? s("rect", { x: (left + i * step - Math.max(step, 2) / 2).toFixed(1), y: index * row + 2, width: Math.max(step, 2).toFixed(1), height: row - 4, fill: "var(--bad)" })
        : null))));
  return h("figure", { class: "chart signal-strip", "data-chart": "signals-in-force" }, h("figcaption", {}, "Grid signals in force"), svg);
}

async function renderSite(root: HTMLElement, context: PageContext, siteId: string): Promise<void> {
  const { api, query } = context;
  const id = encodeURIComponent(siteId);
  root.append(h("p", {}, h("a", { href: "#/energy" }, "← All sites")), h("h1", {}, `Energy at ${siteId}`));
  const period = await periodOf(api, query, context.me.endpoints);
  root.setAttribute("data-from", period.from);
  root.setAttribute("data-through", period.through);
  root.setAttribute("data-site", siteId);
  root.append(periodForm(period, context, `/energy/${id}`));
  const month = period.through.slice(0, 7);
  const [report, history, signals] = await Promise.allSettled([
    api.get<PowerReport>(`/api/sites/${id}/power-report?month=${month}`),
    decisionsOf(api, siteId, period.from, period.through),
    api.get<Listing<GridSignal>>(`/api/sites/${id}/grid-signals?all=true&limit=200`),
  ]);
  const zone = report.status === "fulfilled" ? report.value.timeZone : "UTC";
  const at = (iso: string | null) => zone === "UTC" ? format.instant(iso) : format.local(iso, zone);

  root.append(h("h2", {}, `Peaks in ${month}`));
  if (report.status === "fulfilled") {
    const r = report.value;
    root.append(h("div", { class: "cards" },
      card("Grid limit", figure("grid-limit", r.gridLimitKw, format.kw(r.gridLimitKw, 1))),
      card("Peak, managed", figure("peak-managed", r.peakKw, format.kw(r.peakKw, 1))),
      card("Peak without management", figure("peak-unmanaged", r.unmanagedPeakKw, format.kw(r.unmanagedPeakKw, 1))),
      card("Energy", figure("energy-kwh", r.energyKwh, format.kwh(r.energyKwh, 1))),
      card("Sessions slowed", h("span", {}, figure("sessions-slowed", r.sessionsSlowed, format.count(r.sessionsSlowed)), " of ", figure("sessions", r.sessions, format.count(r.sessions))))),
    h("p", {}, `The managed peak's quarter hour began ${format.localWallTime(r.peakIntervalStart, r.timeZone)}; without management it would have begun ${format.localWallTime(r.unmanagedPeakIntervalStart, r.timeZone)}.`));
  } else {
    root.append(errorBox(report.reason));
  }

  root.append(h("h2", {}, "Allocations"));
  if (history.status === "fulfilled") {
    const { decisions, more } = history.value;
    if (more) root.append(h("p", { class: "notice" }, `The period has more than ${maxDecisions} decisions: the chart shows the latest ${decisions.length}. Choose a shorter period to see its start.`));
    if (decisions.length === 0) {
      root.append(h("p", { class: "notice", "data-chart": "allocations" }, "The balancer made no decision at this site in the period."));
    } else {
      const evses = [...new Set(decisions.flatMap((d) => d.decision.sessions.map((a) => `${a.chargerId} EVSE ${a.evseId}`)))].sort();
      const latestLimit = decisions[decisions.length - 1].decision.circuits.find((c) => c.limitAmpsPerPhase !== null);
      root.append(stackedAreaChart({
        // Month, day and time of day fit the axis; the zone is named in the title.
        id: "allocations", title: `Current allocated per EVSE, stacked (${zone} time)`, yLabel: "A per phase",
        xs: decisions.map((d) => at(d.decision.decidedAt).slice(5, 16)),
        series: evses.map((name) => ({
          name,
          values: decisions.map((d) => d.decision.sessions.find((a) => `${a.chargerId} EVSE ${a.evseId}` === name)?.limitAmps ?? null),
        })),
        thresholds: latestLimit ? [{ value: latestLimit.limitAmpsPerPhase!, label: `Circuit ${latestLimit.circuitId} limit (latest)` }] : [],
        format: (amps) => `${format.number(amps, 1)} A`, yMin: 0,
      }));
      const inForce = [...new Set(decisions.flatMap((d) => d.decision.signalsInForce))];
      if (inForce.length > 0) root.append(signalStrip(decisions, inForce));
    }
  } else {
    root.append(errorBox(history.reason));
  }

  root.append(h("h2", {}, "Grid signals"));
  if (signals.status === "fulfilled") {
    const start = `${period.from}T00:00:00Z`, end = `${dayAfter(period.through)}T00:00:00Z`;
    // Listed when they overlap the period: a signal is in force from its start until its end (or its withdrawal).
    const shown = signals.value.items.filter((g) => g.from < end && (g.withdrawnAt ?? g.until) > start);
    root.append(h("div", { "data-testid": "grid-signals" }, table<GridSignal>("Throttling signals overlapping the period", [
      { header: "Signal", cell: (g) => g.signalId },
      { header: "Kind", cell: (g) => g.kind },
      { header: "Circuit", cell: (g) => g.circuitId ?? "whole site" },
      { header: "Cap", cell: (g) => g.capKw !== null ? figure("signal-cap-kw", g.capKw, format.kw(g.capKw, 1)) : g.capPercent !== null ? figure("signal-cap-percent", g.capPercent, format.percent(g.capPercent, 0)) : "–", numeric: true },
      { header: "From", cell: (g) => at(g.from) },
      { header: "Until", cell: (g) => at(g.until) },
      { header: "Withdrawn", cell: (g) => at(g.withdrawnAt) },
      { header: "Source", cell: (g) => g.source ?? "–" },
    ], shown, (g) => ({ "data-signal": g.signalId }))));
  } else {
    root.append(errorBox(signals.reason));
  }
}

export const page: Page = {
  id: "energy",
  title: "Energy",
  routes: ["/energy", "/energy/{siteId}"],
  inMenu: true,
  async render(root, context) {
    if (context.params.siteId) await renderSite(root, context, context.params.siteId);
    else await renderList(root, context.api);
  },
};
