// The period the KPIs show: from the hash query (from, through: local dates at each site, both inclusive), else the 30
// days ending on the last day with a recorded session, which the API tells (the newest session's start) to roles that
// may list sessions; a regulator's key may not, and sees the 30 days ending today.
import type { Api } from "../shell/api";
import { field, h } from "../shell/dom";
import type { PageContext } from "../shell/page";

export interface Period { from: string; through: string; chosen: boolean }

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const defaultDays = 30;

function shiftDays(date: string, days: number): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

export async function periodOf(api: Api, query: URLSearchParams, endpoints: string[]): Promise<Period> {
  const from = query.get("from");
  const through = query.get("through");
  if (from && through && datePattern.test(from) && datePattern.test(through)) return { from, through, chosen: true };
  const today = new Date().toISOString().slice(0, 10);
  const newest = endpoints.includes("GET /api/sessions")
    ? await api.get<{ items: { startedAt: string }[] }>("/api/sessions?order=newest&limit=1")
    : { items: [] };
  const last = newest.items[0]?.startedAt.slice(0, 10) ?? today;
  return { from: shiftDays(last, 1 - defaultDays), through: last, chosen: false };
}

/** The period in words, and a form that opens the same page on another period. */
export function periodForm(period: Period, ctx: PageContext, route: string): HTMLElement {
  const from = h("input", { type: "date", name: "from", value: period.from, required: true });
  const through = h("input", { type: "date", name: "through", value: period.through, required: true });
  const form = h("form", { class: "filters", "aria-label": "Period" }, field("From", from), field("Through", through), h("button", { type: "submit" }, "Show period"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.navigate(`${route}?${new URLSearchParams({ from: from.value, through: through.value })}`);
  });
  return h("section", {},
    h("p", { "data-testid": "period" }, `Period: ${period.from} to ${period.through}, local dates at each site`,
      period.chosen ? "." : ` (the ${defaultDays} days to the last recorded session, or to today where this key may not list sessions).`),
    form);
}
