// Network: the sites on a map and every charger with its live status, filtered by site, vendor, model and firmware.
// The statuses are pushed by the host (see live.ts); the page never polls.
import { errorBox, field, h } from "../shell/dom";
import * as format from "../shell/format";
import type { Page, PageContext } from "../shell/page";
import { renderCharger } from "./charger";
import { openLiveFeed } from "./live";
import { siteMap, type SiteState } from "./map";
import { liveStatus, type LiveCharger, type Paged, type Site } from "./types";

type Filter = "site" | "vendor" | "model" | "firmware";

const filters: { key: Filter; label: string; of: (charger: LiveCharger) => string | null }[] = [
  { key: "site", label: "Site", of: (c) => c.siteId },
  { key: "vendor", label: "Vendor", of: (c) => c.vendor },
  { key: "model", label: "Model", of: (c) => c.model },
  { key: "firmware", label: "Firmware", of: (c) => c.firmwareVersion },
];

async function renderNetwork(root: HTMLElement, ctx: PageContext): Promise<void> {
  root.append(h("h1", {}, "Network"));
  const chargers = new Map<string, LiveCharger>();
  const chosen: Record<Filter, string> = { site: ctx.query.get("site") ?? "", vendor: "", model: "", firmware: "" };
  let sites: Site[] = [];

  const mapHolder = h("section", { "aria-labelledby": "sites-heading" });
  const filterBar = h("form", { class: "filters", role: "search", "aria-label": "Filter chargers" });
  const shown = h("p", { "aria-live": "polite", class: "muted", "data-testid": "charger-count" });
  const tableHolder = h("div", {});
  const live = openLiveFeed(ctx.api, ctx.onLeave, {
    snapshot(all) {
      chargers.clear();
      for (const charger of all) chargers.set(charger.chargerId, charger);
      redraw(true);
    },
    charger(changed) {
      const known = chargers.has(changed.chargerId);
      chargers.set(changed.chargerId, changed);
      if (known && updateRow(changed)) { drawMap(); return; }
      redraw(true);
    },
    failed(problem) { tableHolder.replaceChildren(errorBox(problem)); },
  });
  root.append(mapHolder, h("section", { "aria-labelledby": "chargers-heading" },
    h("h2", { id: "chargers-heading" }, "Chargers"), live.status, filterBar, shown, tableHolder));

  const siteName = (siteId: string | null) => sites.find((site) => site.siteId === siteId)?.name ?? siteId ?? "–";
  const ofSite = (siteId: string) => [...chargers.values()].filter((c) => c.siteId === siteId);
  const stateOf = (siteId: string): SiteState => {
    const statuses = ofSite(siteId).map(liveStatus);
    if (statuses.length === 0) return "none";
    if (statuses.includes("Offline")) return "offline";
    return statuses.includes("Faulted") ? "faulted" : "online";
  };
  const describe = (siteId: string): string => {
    const statuses = ofSite(siteId).map(liveStatus);
    const count = (status: string) => statuses.filter((s) => s === status).length;
    return `${siteName(siteId)}: ${format.count(statuses.length)} chargers, ${format.count(count("Online"))} online, `
      + `${format.count(count("Faulted"))} faulted, ${format.count(count("Offline"))} offline`;
  };

  function drawMap(): void {
    mapHolder.replaceChildren(h("h2", { id: "sites-heading" }, "Sites"), siteMap(sites, stateOf, describe),
      h("ul", { class: "site-list", "data-testid": "site-list" }, sites.map((site) =>
        h("li", { "data-site-item": site.siteId, class: `site-${stateOf(site.siteId)}` },
          h("a", { href: `#/network?site=${encodeURIComponent(site.siteId)}` }, describe(site.siteId))))));
  }

  function drawFilters(): void {
    filterBar.replaceChildren(...filters.map(({ key, label, of }) => {
      const values = [...new Set([...chargers.values()].map(of).filter((v): v is string => !!v))].sort();
      if (chosen[key] && !values.includes(chosen[key])) values.push(chosen[key]);
      const select = h("select", { name: key, "data-filter": key },
        h("option", { value: "" }, "All"),
        values.map((value) => h("option", { value, selected: value === chosen[key] }, key === "site" ? siteName(value) : value)));
      select.addEventListener("change", () => { chosen[key] = select.value; drawTable(); });
      return field(label, select);
    }));
  }

  function statusCell(charger: LiveCharger): HTMLElement {
    const status = liveStatus(charger);
    return h("td", { "data-field": "status", class: `status-${status.toLowerCase()}` }, status);
  }

  function connectorsText(charger: LiveCharger): string {
    return charger.connectors.map((c) => `${c.evseId}-${c.connectorId} ${c.status}`).join(", ") || "–";
  }

  function row(charger: LiveCharger): HTMLTableRowElement {
    return h("tr", { "data-charger": charger.chargerId },
      h("th", { scope: "row" }, h("a", { href: `#/network/chargers/${encodeURIComponent(charger.chargerId)}` }, charger.chargerId)),
      statusCell(charger),
      h("td", {}, h("abbr", { title: siteName(charger.siteId) }, charger.siteId ?? "–")),
      h("td", {}, charger.vendor ?? "–"), h("td", {}, charger.model ?? "–"), h("td", {}, charger.firmwareVersion ?? "–"),
      h("td", { class: "num", "data-field": "open-faults" }, h("span", { "data-figure": "open-faults", "data-value": String(charger.openFaults) }, format.count(charger.openFaults))),
      h("td", { "data-field": "connectors" }, connectorsText(charger)),
      h("td", { "data-field": "changed-at" }, format.instant(charger.changedAt)));
  }

  /** Replaces a charger's row in place (keeps focus and scroll); false when it is not shown under the filters. */
  function updateRow(charger: LiveCharger): boolean {
    const old = tableHolder.querySelector(`tr[data-charger="${CSS.escape(charger.chargerId)}"]`);
    if (!old || !matches(charger)) return false;
    old.replaceWith(row(charger));
    return true;
  }

  function matches(charger: LiveCharger): boolean {
    return filters.every(({ key, of }) => !chosen[key] || of(charger) === chosen[key]);
  }

  function drawTable(): void {
    const rows = [...chargers.values()].filter(matches).sort((a, b) => a.chargerId.localeCompare(b.chargerId));
    shown.textContent = `${format.count(rows.length)} of ${format.count(chargers.size)} chargers shown.`;
    const headers = ["Charger", "Status", "Site", "Vendor", "Model", "Firmware", "Open faults", "Connectors", "Changed"];
    tableHolder.replaceChildren(h("div", { class: "table-wrap" }, h("table", { "data-testid": "chargers" },
      h("caption", {}, "Chargers and their live status"),
      h("thead", {}, h("tr", {}, headers.map((header) => h("th", { scope: "col", class: header === "Open faults" ? "num" : null }, header)))),
      h("tbody", {}, rows.length === 0 ? h("tr", {}, h("td", { colspan: headers.length }, "No charger matches.")) : rows.map(row)))));
  }

  function redraw(withFilters: boolean): void {
    if (withFilters) drawFilters();
    drawTable();
    drawMap();
  }

  try {
    sites = (await ctx.api.get<Paged<Site>>("/api/sites?limit=1000")).items;
    redraw(chargers.size > 0);
  } catch (problem) {
    mapHolder.replaceChildren(h("h2", { id: "sites-heading" }, "Sites"), errorBox(problem));
  }
  await live.firstAnswer;
}

export const page: Page = {
  id: "network",
  title: "Network",
  routes: ["/network", "/network/chargers/{chargerId}"],
  inMenu: true,
  render(root, ctx) {
    return ctx.params.chargerId ? renderCharger(root, ctx, ctx.params.chargerId) : renderNetwork(root, ctx);
  },
};
