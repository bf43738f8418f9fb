// Sessions: the list (newest first, a page at a time, filtered by site, charger, status and period) and one session's
// page with its meter curve and its price per tariff period, in the site's own time.
import { lineChart } from "../shell/charts";
import { card, errorBox, field, figure, h, table } from "../shell/dom";
import * as format from "../shell/format";
import type { Page, PageContext } from "../shell/page";
import { dayAfter, periodForm, periodOf } from "../shell/period";

interface SessionEntry {
  sessionId: string;
  chargerId: string;
  evseId: number;
  connectorId: number;
  startedAt: string;
  meterStartWh: number;
  status: string;
  stoppedAt: string | null;
  meterStopWh: number | null;
  stopReason: string | null;
}

interface MeterPoint { takenAt: string; energyWh: number; deliveredWh: number; powerW: number | null; stateOfChargePercent: number | null }

interface SessionWithMeterValues { session: SessionEntry; meterValues: MeterPoint[]; truncated: boolean }

interface PriceLine {
  component: string;
  tariffId: string;
  tariffVersion: number;
  localFrom: string;
  localUntil: string;
  volume: number;
  billedVolume: number;
  unitPrice: number;
  vatPercent: number;
  amountExclVat: number;
  amountInclVat: number;
}

interface Money { amount: number; currency: string }

interface PricedSession {
  siteId: string | null;
  status: string;
  price: {
    currency: string;
    timeZone: string;
    energyWh: number;
    chargingSeconds: number;
    parkingSeconds: number;
    lines: PriceLine[];
    totalExclVat: Money;
    totalInclVat: Money;
  } | null;
  problem: string | null;
}

const pageSize = 25;
const statuses: [string, string][] = [["", "Any"], ["active", "Active"], ["completed", "Completed"], ["closed-for-silence", "Closed for silence"]];

function text(name: string, label: string, value: string | null): [HTMLElement, HTMLInputElement] {
  const input = h("input", { type: "text", name, value: value ?? "", autocomplete: "off", spellcheck: "false" });
  return [field(label, input), input];
}

async function renderList(root: HTMLElement, context: PageContext): Promise<void> {
  const { api, query } = context;
  root.append(h("h1", {}, "Sessions"));
  const period = await periodOf(api, query, context.me.endpoints);
  root.setAttribute("data-from", period.from);
  root.setAttribute("data-through", period.through);

  const [siteField, site] = text("site", "Site", query.get("site"));
  const [chargerField, charger] = text("charger", "Charger", query.get("charger"));
  const status = h("select", { name: "status" }, statuses.map(([value, label]) =>
    h("option", { value, selected: (query.get("status") ?? "") === value }, label)));
  const filters = h("form", { class: "filters", "aria-label": "Filters" },
    siteField, chargerField, field("Status", status), h("button", { type: "submit" }, "Filter"));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams({ from: period.from, through: period.through });
    if (site.value.trim()) next.set("site", site.value.trim());
    if (charger.value.trim()) next.set("charger", charger.value.trim());
    if (status.value) next.set("status", status.value);
    context.navigate(`/sessions?${next}`);
  });
  root.append(periodForm(period, context, "/sessions", ["cursor"]), filters,
    h("p", { class: "notice" }, "Newest first. Days run midnight to midnight UTC; each session's times are in UTC here and in the site's time on its page."));

  const ask = new URLSearchParams({ order: "newest", limit: String(pageSize), from: `${period.from}T00:00:00Z`, to: `${dayAfter(period.through)}T00:00:00Z` });
  for (const name of ["site", "charger", "status", "cursor"]) {
    const value = query.get(name);
    if (value) ask.set(name, value);
  }
  try {
    const page = await api.get<{ items: SessionEntry[]; next: string | null }>(`/api/sessions?${ask}`);
    root.append(table<SessionEntry>("Sessions", [
      { header: "Session", cell: (s) => h("a", { href: `#/sessions/${encodeURIComponent(s.sessionId)}` }, s.sessionId) },
      { header: "Charger", cell: (s) => s.chargerId },
      { header: "EVSE", cell: (s) => `${s.evseId}`, numeric: true },
      { header: "Started", cell: (s) => format.instant(s.startedAt) },
      { header: "Stopped", cell: (s) => format.instant(s.stoppedAt) },
      { header: "Status", cell: (s) => s.status },
      { header: "Stop reason", cell: (s) => s.stopReason ?? "–" },
    ], page.items, (s) => ({ "data-session": s.sessionId })));
    const pager = h("nav", { class: "pager", "aria-label": "Pages of sessions" });
    if (query.get("cursor")) {
      const first = new URLSearchParams(query);
      first.delete("cursor");
      pager.append(h("button", { type: "button", class: "secondary", "data-page": "first", onclick: () => context.navigate(`/sessions?${first}`) }, "First page"));
    }
    if (page.next) {
      const next = new URLSearchParams(query);
      next.set("from", period.from);
      next.set("through", period.through);
      next.set("cursor", page.next);
      pager.append(h("button", { type: "button", "data-page": "next", onclick: () => context.navigate(`/sessions?${next}`) }, "Next page"));
    }
    root.append(pager);
  } catch (problem) {
    root.append(errorBox(problem));
  }
}

function facts(rows: [string, Node | string][]): HTMLElement {
  return h("dl", { class: "facts" }, rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

async function renderSession(root: HTMLElement, context: PageContext, sessionId: string): Promise<void> {
  const { api } = context;
  const id = encodeURIComponent(sessionId);
  root.append(h("p", {}, h("a", { href: "#/sessions" }, "← All sessions")), h("h1", {}, `Session ${sessionId}`));
  const [metered, priced] = await Promise.allSettled([
    api.get<SessionWithMeterValues>(`/api/sessions/${id}?include=meter-values`),
    api.get<PricedSession>(`/api/sessions/${id}/price`),
  ]);
  const price = priced.status === "fulfilled" ? priced.value.price : null;
  // Times are the site's: the price states its zone; without a price there is no zone to tell, so UTC.
  const zone = price?.timeZone ?? "UTC";
  const at = (iso: string | null) => zone === "UTC" ? format.instant(iso) : format.local(iso, zone);

  if (metered.status === "fulfilled") {
    const { session, meterValues, truncated } = metered.value;
    root.append(facts([
      ["Charger", h("a", { href: `#/network/chargers/${encodeURIComponent(session.chargerId)}` }, session.chargerId)],
      ["EVSE / connector", `${session.evseId} / ${session.connectorId}`],
      ["Status", session.status + (session.stopReason ? ` (${session.stopReason})` : "")],
      ["Started", at(session.startedAt)],
      ["Stopped", at(session.stoppedAt)],
    ]));
    if (truncated) root.append(h("p", { class: "notice" }, "The session has more meter readings than the API serves at once: the curve shows the first of them."));
    root.append(meterValues.length === 0
      ? h("p", { class: "notice", "data-chart": "meter" }, "The charger sent no meter readings during this session.")
      : lineChart({
        // The axis has room for the time of day only; the zone is named in the title.
        id: "meter", title: `Energy delivered over the session (${zone} time)`, yLabel: "Energy delivered",
        xs: meterValues.map((m) => at(m.takenAt).slice(11, 16)),
        series: [{ name: "Energy delivered", values: meterValues.map((m) => m.deliveredWh) }],
        format: (wh) => format.whAsKwh(wh, 1), yMin: 0,
      }));
  } else {
    root.append(errorBox(metered.reason));
  }

  root.append(h("h2", {}, "Price"));
  if (priced.status === "rejected") {
    root.append(errorBox(priced.reason));
    return;
  }
  if (!price) {
    root.append(h("p", { class: "notice" }, priced.value.problem ?? "This session has no price yet."));
    return;
  }
  root.append(h("div", { class: "cards" },
    card("Energy", figure("energy-kwh", price.energyWh, format.whAsKwh(price.energyWh))),
    card("Total excl. VAT", figure("total-excl-vat", price.totalExclVat.amount, format.money(price.totalExclVat.amount, price.totalExclVat.currency))),
    card("Total incl. VAT", figure("total-incl-vat", price.totalInclVat.amount, format.money(price.totalInclVat.amount, price.totalInclVat.currency)))));
  const volume = (line: PriceLine) => line.component === "Energy" ? format.whAsKwh(line.billedVolume)
    : line.component === "Flat" ? format.count(line.billedVolume) : `${format.count(line.billedVolume)} s`;
  root.append(h("div", { "data-testid": "price-periods" }, table<PriceLine>(`Price per tariff period, in ${price.timeZone} time`, [
    { header: "Component", cell: (l) => l.component },
    { header: "Tariff", cell: (l) => `${l.tariffId} v${l.tariffVersion}` },
    { header: "From", cell: (l) => format.localWallTime(l.localFrom, price.timeZone) },
    { header: "Until", cell: (l) => format.localWallTime(l.localUntil, price.timeZone) },
    { header: "Billed", cell: volume, numeric: true },
    { header: "Unit price", cell: (l) => figure("unit-price", l.unitPrice, format.number(l.unitPrice, 4)), numeric: true },
    { header: "VAT", cell: (l) => format.percent(l.vatPercent, 1), numeric: true },
    { header: "Excl. VAT", cell: (l) => figure("line-excl-vat", l.amountExclVat, format.money(l.amountExclVat, price.currency)), numeric: true },
    { header: "Incl. VAT", cell: (l) => figure("line-incl-vat", l.amountInclVat, format.money(l.amountInclVat, price.currency)), numeric: true },
  ], price.lines, (l) => ({ "data-component": l.component }))));
}

export const page: Page = {
  id: "sessions",
  title: "Sessions",
  routes: ["/sessions", "/sessions/{sessionId}"],
  inMenu: true,
  async render(root, context) {
    if (context.params.sessionId) await renderSession(root, context, context.params.sessionId);
    else await renderList(root, context);
  },
};
