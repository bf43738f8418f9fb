// The period a page shows: from the hash query (from, through: local dates, both inclusive), else the 30 days ending
// on the last day that has a recorded session, as the API tells (the newest session's start) to keys that may list
// sessions; a regulator's key may not, and sees the 30 days ending today.
import type { Api } from "./api";
import { field, h } from "./dom";
import type { PageContext } from "./page";

export interface Period {
  from: string;
  through: string;
  /** True when the query named it; false when it is the default. */
  chosen: boolean;
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const defaultDays = 30;

interface SessionPage { items: { startedAt: string }[] }

function shiftDays(date: string, days: number): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

/** The day after `date` (yyyy-MM-dd): an inclusive period's end as an exclusive instant. */
export function dayAfter(date: string): string {
  return shiftDays(date, 1);
}

export async function periodOf(api: Api, query: URLSearchParams, endpoints: string[]): Promise<Period> {
  const from = query.get("from");
  const through = query.get("through");
  if (from && through && datePattern.test(from) && datePattern.test(through)) return { from, through, chosen: true };
  const newest = endpoints.includes("GET /api/sessions")
    ? await api.get<SessionPage>("/api/sessions?order=newest&limit=1")
    : { items: [] };
  const last = newest.items[0]?.startedAt.slice(0, 10) ?? new Date().toISOString().slice(0, 10);
  return { from: shiftDays(last, 1 - defaultDays), through: last, chosen: false };
}

/** The period's sentence and a form to change it; submitting keeps the other query parameters but the named cursors. */
export function periodForm(period: Period, context: PageContext, route: string, dropOnChange: string[] = []): HTMLElement {
  const from = h("input", { type: "date", name: "from", value: period.from, required: true });
  const through = h("input", { type: "date", name: "through", value: period.through, required: true });
  const form = h("form", { class: "filters", "aria-label": "Period" },
    field("From", from), field("Through", through), h("button", { type: "submit" }, "Show period"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams(context.query);
    for (const name of dropOnChange) query.delete(name);
    query.set("from", from.value);
    query.set("through", through.value);
    context.navigate(`${route}?${query}`);
  });
  return h("section", {},
    h("p", { "data-testid": "period" }, `Period: ${period.from} to ${period.through}`,
      period.chosen ? "" : ` (the ${defaultDays} days to the last recorded session, or to today where this key may not list sessions).`),
    form);
}
