// KPIs: NEVI uptime against 97 %, charge success against 95 %, utilisation against the 50 % breakeven and drivers'
// ratings, per site over the period and day by day, and charge success by model and firmware. Every figure is the
// API's (GET /api/kpis/*, with ?by=site / ?by=day for the daily series); the page only lays them out.
import { barChart, lineChart, type Series } from "../shell/charts";
import { errorBox, figure, h, table } from "../shell/dom";
import * as format from "../shell/format";
import type { Page, PageContext } from "../shell/page";
import { periodForm, periodOf } from "../shell/period";

interface SiteUptime { siteId: string; ports: number; portsAboveNeviMinimum: number; uptimePercent: number | null; byDay: { date: string; uptimePercent: number | null }[] }
interface PortUptime { siteId: string; port: string; minutes: number; outageMinutes: number; excludedMinutes: number; uptimePercent: number | null; aboveNeviMinimum: boolean }
interface Tally { key: string; attempts: number; succeeded: number; failed: number; ratePercent: number | null }
interface ChargeSuccess { total: Tally; bySite: Tally[]; byModel: Tally[]; byFirmware: Tally[]; byDay: { date: string; bySite: Tally[] }[] }
interface Share { occupiedPercent: number | null }
interface SiteUtilisation { siteId: string; total: Share; byDay: { date: string; share: Share }[] }
interface Rating { siteId: string; count: number; averageStars: number | null; byDay: { date: string; count: number; averageStars: number | null }[] }
interface Site { siteId: string; name: string }

/** NEVI 23 CFR 680.116(b): above 97 % per port. */
const uptimeMinimum = 97;
/** The charge success the operator aims for. */
const successTarget = 95;
/** Occupied share at which a site pays for itself (Utilisation.cs, BreakevenPercent). */
const breakeven = 50;

async function load<T>(holder: HTMLElement, request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (problem) {
    holder.append(errorBox(problem));
    return null;
  }
}

function daily(siteIds: string[], dates: string[], days: (siteId: string) => { date: string; value: number | null }[] | undefined): Series[] {
  return siteIds.map((siteId) => {
    const known = new Map((days(siteId) ?? []).map((d) => [d.date, d.value]));
    return { name: siteId, values: dates.map((date) => known.get(date) ?? null) };
  });
}

async function render(root: HTMLElement, ctx: PageContext): Promise<void> {
  root.append(h("h1", {}, "KPIs"));
  const period = await periodOf(ctx.api, ctx.query, ctx.me.endpoints);
  root.dataset.from = period.from;
  root.dataset.through = period.through;
  root.append(periodForm(period, ctx, "/kpis"));
  const q = `from=${period.from}&through=${period.through}`;
  const problems = h("div", {});
  root.append(problems);

  const [sites, uptime, ports, success, utilisation, ratings] = await Promise.all([
    load(problems, ctx.api.get<{ items: Site[] }>("/api/sites?limit=1000")),
    load(problems, ctx.api.get<SiteUptime[]>(`/api/kpis/uptime?${q}&by=site`)),
    load(problems, ctx.api.get<PortUptime[]>(`/api/kpis/uptime?${q}`)),
    load(problems, ctx.api.get<ChargeSuccess>(`/api/kpis/charge-success?${q}&by=day`)),
    load(problems, ctx.api.get<SiteUtilisation[]>(`/api/kpis/utilisation?${q}`)),
    load(problems, ctx.api.get<Rating[]>(`/api/kpis/ratings?${q}&by=day`)),
  ]);
  const name = (siteId: string) => sites?.items.find((s) => s.siteId === siteId)?.name ?? siteId;
  const siteIds = [...new Set([...(uptime ?? []).map((u) => u.siteId), ...(utilisation ?? []).map((u) => u.siteId), ...(ratings ?? []).map((r) => r.siteId)])].sort();
  const dates = [...new Set([...(uptime ?? []).flatMap((u) => u.byDay.map((d) => d.date)), ...(success?.byDay ?? []).map((d) => d.date)])].sort();

  root.append(h("section", { "aria-labelledby": "by-site-heading" }, h("h2", { id: "by-site-heading" }, "By site over the period"),
    table<string>("Each site's KPIs over the period", [
      { header: "Site", cell: (id) => `${name(id)} (${id})` },
      { header: "Uptime (NEVI ≥ 97 %)", numeric: true, cell: (id) => {
        const row = uptime?.find((u) => u.siteId === id);
        return row ? figure("uptime", row.uptimePercent, format.percent(row.uptimePercent, 2), { "data-site": id }) : "–";
      } },
      { header: "Ports above 97 %", numeric: true, cell: (id) => {
        const row = uptime?.find((u) => u.siteId === id);
        return row ? `${format.count(row.portsAboveNeviMinimum)} of ${format.count(row.ports)}` : "–";
      } },
      { header: "Charge success (target 95 %)", numeric: true, cell: (id) => {
        const row = success?.bySite.find((t) => t.key === id);
        return row ? figure("charge-success", row.ratePercent, format.percent(row.ratePercent, 1), { "data-site": id }) : "–";
      } },
      { header: "Utilisation (breakeven 50 %)", numeric: true, cell: (id) => {
        const row = utilisation?.find((u) => u.siteId === id);
        return row ? figure("utilisation", row.total.occupiedPercent, format.percent(row.total.occupiedPercent, 1), { "data-site": id }) : "–";
      } },
      { header: "Rating (of 5)", numeric: true, cell: (id) => {
        const row = ratings?.find((r) => r.siteId === id);
        return row ? [figure("rating", row.averageStars, format.number(row.averageStars, 2), { "data-site": id }), ` (${format.count(row.count)} ratings)`] : "–";
      } },
    ], siteIds, (id) => ({ "data-site-row": id }))));

  const charts = h("section", { "aria-labelledby": "over-time-heading", class: "kpi-charts" }, h("h2", { id: "over-time-heading" }, "Day by day"),
    h("p", { class: "muted" }, "One line per site (by its id); each chart's figures are in the table under it."));
  if (uptime) charts.append(lineChart({ id: "uptime", title: "Uptime of each site's ports pooled, per day", xs: dates, yLabel: "Uptime", yMax: 100,
    format: (v) => format.percent(v, 2), thresholds: [{ value: uptimeMinimum, label: "NEVI minimum 97 %" }],
    series: daily(siteIds, dates, (id) => uptime.find((u) => u.siteId === id)?.byDay.map((d) => ({ date: d.date, value: d.uptimePercent }))) }));
  if (success) charts.append(lineChart({ id: "charge-success", title: "Charge success per day", xs: dates, yLabel: "Charge success", yMin: 0, yMax: 100,
    format: (v) => format.percent(v, 1), thresholds: [{ value: successTarget, label: "Target 95 %" }],
    series: daily(siteIds, dates, (id) => success.byDay.map((d) => ({ date: d.date, value: d.bySite.find((t) => t.key === id)?.ratePercent ?? null }))) }));
  if (utilisation) charts.append(lineChart({ id: "utilisation", title: "Utilisation (occupied share of port time) per day", xs: dates, yLabel: "Utilisation", yMin: 0,
    format: (v) => format.percent(v, 1), thresholds: [{ value: breakeven, label: "Breakeven 50 %" }],
    series: daily(siteIds, dates, (id) => utilisation.find((u) => u.siteId === id)?.byDay.map((d) => ({ date: d.date, value: d.share.occupiedPercent }))) }));
  if (ratings) charts.append(lineChart({ id: "rating", title: "Drivers' average rating per day", xs: dates, yLabel: "Stars", yMin: 0, yMax: 5,
    format: (v) => format.number(v, 2),
    series: daily(siteIds, dates, (id) => ratings.find((r) => r.siteId === id)?.byDay.map((d) => ({ date: d.date, value: d.averageStars }))) }));
  root.append(charts);

  if (success) {
    const bars = (id: string, title: string, tallies: Tally[]) => barChart({ id, title, xs: tallies.map((t) => t.key), yLabel: "Charge success", yMin: 0, yMax: 100,
      format: (v) => format.percent(v, 1), thresholds: [{ value: successTarget, label: "Target 95 %" }],
      series: [{ name: "Charge success", values: tallies.map((t) => t.ratePercent) }] });
    root.append(h("section", { "aria-labelledby": "by-hardware-heading" }, h("h2", { id: "by-hardware-heading" }, "Charge success by vendor and model, and by firmware"),
      bars("charge-success-by-model", "Charge success by vendor and model", success.byModel),
      bars("charge-success-by-firmware", "Charge success by vendor, model and firmware", success.byFirmware)));
  }

  if (ports) {
    const sorted = [...ports].sort((a, b) => (a.uptimePercent ?? 101) - (b.uptimePercent ?? 101) || a.port.localeCompare(b.port));
    root.append(h("section", { "aria-labelledby": "ports-heading" }, h("h2", { id: "ports-heading" }, "Uptime per port (NEVI judges each port)"),
      h("details", {}, h("summary", {}, `${format.count(ports.filter((p) => !p.aboveNeviMinimum).length)} of ${format.count(ports.length)} ports at or below 97 %: every port, lowest first`),
        table<PortUptime>("Uptime of each port over the period", [
          { header: "Port", cell: (p) => p.port },
          { header: "Site", cell: (p) => name(p.siteId) },
          { header: "Uptime", numeric: true, cell: (p) => figure("port-uptime", p.uptimePercent, format.percent(p.uptimePercent, 2), { "data-port": p.port }) },
          { header: "Outage minutes", numeric: true, cell: (p) => format.number(p.outageMinutes, 2) },
          { header: "Excluded minutes", numeric: true, cell: (p) => format.number(p.excludedMinutes, 2) },
          { header: "Above 97 %", cell: (p) => p.aboveNeviMinimum ? "Yes" : "No" },
        ], sorted, (p) => ({ "data-port-row": p.port })))));
  }
}

export const page: Page = {
  id: "kpis",
  title: "KPIs",
  routes: ["/kpis"],
  inMenu: true,
  render,
};
