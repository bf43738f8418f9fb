// One charger: its details, connectors with their live status, its recent events, open incidents, and the remote
// commands the signed-in role may send (only the operator's, as the access table says).
import { errorBox, h, table } from "../shell/dom";
import * as format from "../shell/format";
import type { PageContext } from "../shell/page";
import { commandPanel } from "./commands";
import { openLiveFeed } from "./live";
import { liveStatus, type Charger, type Incident, type LiveCharger, type LiveConnector, type Paged, type StoredEvent } from "./types";

/** Events shown per page of the charger's recent history, newest first. */
const eventsPerPage = 20;
/** Sending a command and reading a stream are optional parts: shown only to a role the access table lets call them (me.endpoints). */
const commandEndpoint = "POST /api/chargers/{chargerId}/commands/reset";
const streamEndpoint = "GET /api/streams/{streamId}";

interface ConnectorRow { evseId: number; connectorId: number; standard: string; maxPowerKw: number | null }

export async function renderCharger(root: HTMLElement, ctx: PageContext, chargerId: string): Promise<void> {
  root.append(h("p", {}, h("a", { href: "#/network" }, "← Network")), h("h1", {}, `Charger ${chargerId}`));
  let charger: Charger;
  try {
    charger = await ctx.api.get<Charger>(`/api/chargers/${encodeURIComponent(chargerId)}`);
  } catch (problem) {
    root.append(errorBox(problem));
    return;
  }
  let live: LiveCharger | null = null;
  const details = h("dl", { class: "details", "data-testid": "charger-details" });
  const connectorsHolder = h("div", {});
  const feed = openLiveFeed(ctx.api, ctx.onLeave, {
    snapshot(all) { live = all.find((c) => c.chargerId === chargerId) ?? live; draw(); },
    charger(changed) { if (changed.chargerId === chargerId) { live = changed; draw(); } },
    failed(problem) { connectorsHolder.append(errorBox(problem)); },
  });

  function draw(): void {
    const now = live ?? { ...charger, connectors: [] as LiveConnector[], changedAt: null };
    const status = liveStatus(now);
    const item = (term: string, value: Node | string) => [h("dt", {}, term), h("dd", {}, value)];
    details.replaceChildren(
      ...item("Status", h("span", { "data-field": "status", class: `status-${status.toLowerCase()}` }, status)),
      ...item("Site", charger.siteId ?? "–"),
      ...item("Vendor and model", `${now.vendor ?? "–"} ${now.model ?? ""}`.trim()),
      ...item("Firmware", now.firmwareVersion ?? "–"),
      ...item("Protocol", now.protocol ?? "–"),
      ...item("Open faults", h("span", { "data-figure": "open-faults", "data-value": String(now.openFaults) }, format.count(now.openFaults))),
      ...item("Registered", format.instant(charger.registeredAt)),
      ...item("Last boot", format.instant(charger.lastBootAt)));
    const specified: ConnectorRow[] = charger.evses.flatMap((evse) => evse.connectors.map((c) =>
      ({ evseId: evse.evseId, connectorId: c.connectorId, standard: c.standard, maxPowerKw: c.maxPowerKw })));
    const reported = (live?.connectors ?? []).filter((c) => !specified.some((s) => s.evseId === c.evseId && s.connectorId === c.connectorId))
      .map((c) => ({ evseId: c.evseId, connectorId: c.connectorId, standard: "–", maxPowerKw: null }));
    const liveOf = (row: ConnectorRow) => live?.connectors.find((c) => c.evseId === row.evseId && c.connectorId === row.connectorId);
    const rows = [...specified, ...reported].sort((a, b) => a.evseId - b.evseId || a.connectorId - b.connectorId);
    const connectorTable = table<ConnectorRow>("Connectors and their live status", [
      { header: "EVSE", cell: (r) => format.count(r.evseId), numeric: true },
      { header: "Connector", cell: (r) => format.count(r.connectorId), numeric: true },
      { header: "Standard", cell: (r) => r.standard },
      { header: "Max power", cell: (r) => r.maxPowerKw === null ? "–" : format.kw(r.maxPowerKw), numeric: true },
      { header: "Status", cell: (r) => h("span", { "data-field": "status" }, liveOf(r)?.status ?? "Unknown") },
      { header: "Since", cell: (r) => format.instant(liveOf(r)?.since) },
    ], rows, (r) => ({ "data-connector": `${r.evseId}-${r.connectorId}` }));
    connectorTable.setAttribute("data-testid", "connectors");
    connectorsHolder.replaceChildren(connectorTable);
  }
  draw();

  const eventsHolder = h("section", { "data-testid": "recent-events", "aria-labelledby": "events-heading" }, h("h2", { id: "events-heading" }, "Recent events"));
  const incidentsHolder = h("section", { "data-testid": "incidents", "aria-labelledby": "incidents-heading" }, h("h2", { id: "incidents-heading" }, "Open incidents"));
  root.append(h("section", { "aria-labelledby": "details-heading" }, h("h2", { id: "details-heading" }, "Details"), feed.status, details),
    h("section", { "aria-labelledby": "connectors-heading" }, h("h2", { id: "connectors-heading" }, "Connectors"), connectorsHolder),
    incidentsHolder);
  const commands = ctx.me.endpoints?.includes(commandEndpoint) ? commandPanel(ctx.api, charger, () => live) : null;
  if (commands) root.append(commands.panel);
  root.append(eventsHolder);

  const events = ctx.me.endpoints?.includes(streamEndpoint) ? recentEvents(ctx, chargerId, eventsHolder)
    : Promise.resolve(void eventsHolder.append(h("p", { class: "notice" }, `The charger's events as recorded are for operators and auditors; a key of role ${ctx.me.role} may not read them.`)));
  await Promise.all([events, openIncidents(ctx, chargerId, incidentsHolder), feed.firstAnswer, commands?.ready]);
}

/** The charger's stream, newest first, a page at a time. */
async function recentEvents(ctx: PageContext, chargerId: string, holder: HTMLElement): Promise<void> {
  let events: StoredEvent[];
  try {
    events = (await ctx.api.get<StoredEvent[]>(`/api/streams/${encodeURIComponent(`charger:${chargerId}`)}`)).reverse();
  } catch (problem) {
    holder.append(errorBox(problem));
    return;
  }
  const body = h("div", {});
  const pager = h("div", { class: "pager" });
  const position = h("span", { "aria-live": "polite" });
  let pageIndex = 0;
  const pages = Math.max(1, Math.ceil(events.length / eventsPerPage));
  const show = () => {
    const slice = events.slice(pageIndex * eventsPerPage, (pageIndex + 1) * eventsPerPage);
    body.replaceChildren(table<StoredEvent>(`Events of charger ${chargerId}, newest first`, [
      { header: "Version", cell: (e) => format.count(e.version), numeric: true },
      { header: "Event", cell: (e) => e.type },
      { header: "Occurred", cell: (e) => format.instant(e.occurredAt) },
      { header: "By", cell: (e) => e.actor },
      { header: "Details", cell: (e) => summary(e.data) },
    ], slice, (e) => ({ "data-event": String(e.version) })));
    position.textContent = `Page ${format.count(pageIndex + 1)} of ${format.count(pages)} (${format.count(events.length)} events)`;
    previous.disabled = pageIndex === 0;
    next.disabled = pageIndex >= pages - 1;
  };
  const previous = h("button", { type: "button", class: "secondary", "data-page": "previous" }, "Newer");
  const next = h("button", { type: "button", class: "secondary", "data-page": "next" }, "Older");
  previous.addEventListener("click", () => { pageIndex--; show(); });
  next.addEventListener("click", () => { pageIndex++; show(); });
  pager.append(previous, next, position);
  holder.append(body, pager);
  show();
}

/** A short line of an event's fields, for the table (the full record is in /api/streams for auditors). */
function summary(data: Record<string, unknown>): string {
  return Object.entries(data)
    .filter(([key, value]) => key !== "chargerId" && value !== null && typeof value !== "object")
    .slice(0, 5).map(([key, value]) => `${key}: ${value}`).join(", ");
}

/** Incidents not yet resolved: open and escalated ones. */
async function openIncidents(ctx: PageContext, chargerId: string, holder: HTMLElement): Promise<void> {
  try {
    const [open, escalated] = await Promise.all(["Open", "Escalated"].map((status) =>
      ctx.api.get<Paged<Incident>>(`/api/incidents?charger=${encodeURIComponent(chargerId)}&status=${status}&limit=50`)));
    const incidents = [...open.items, ...escalated.items].sort((a, b) => b.openedAt.localeCompare(a.openedAt));
    holder.append(table<Incident>(`Open and escalated incidents of charger ${chargerId}`, [
      { header: "Incident", cell: (i) => i.incidentId },
      { header: "Kind", cell: (i) => i.kind },
      { header: "EVSE", cell: (i) => format.count(i.evseId), numeric: true },
      { header: "Error", cell: (i) => i.errorCode ?? "–" },
      { header: "Opened", cell: (i) => format.instant(i.openedAt) },
      { header: "Status", cell: (i) => i.status },
    ], incidents, (i) => ({ "data-incident": i.incidentId })));
  } catch (problem) {
    holder.append(errorBox(problem));
  }
}
