// Incidents and their ladder of remote actions, as the self-healer recorded them (GET /api/incidents, /api/incidents/{id}).
import type { Api } from "../shell/api";
import { errorBox, figure, h, table } from "../shell/dom";
import * as format from "../shell/format";

export type IncidentStatus = "Open" | "Escalated" | "Resolved";

export interface IncidentStep {
  step: number;
  action: string;
  commandIds: string[];
  takenAt: string;
  evidenceDueAt: string;
  result: string | null;
  answerStatus: string | null;
  answeredAt: string | null;
}

export interface Incident {
  incidentId: string;
  kind: string;
  chargerId: string;
  siteId: string;
  vendor: string;
  model: string;
  firmwareVersion: string | null;
  evseId: number;
  sessionId: string | null;
  errorCode: string | null;
  openedEvidence: string;
  openedAt: string;
  status: IncidentStatus;
  steps: IncidentStep[];
  ticketId: string | null;
  escalationEvidence: string[];
  escalatedAt: string | null;
  resolvedBy: string | null;
  resolvedAtStep: number | null;
  resolutionEvidence: string | null;
  resolvedAt: string | null;
}

interface HistoryEvent {
  version: number;
  sequence: number;
  type: string;
  actor: string;
  recordedAt: string;
}

interface IncidentAnswer {
  incident: Incident;
  history: HistoryEvent[];
}

interface IncidentPage {
  items: Incident[];
  next: string | null;
}

const pageSize = 25;

function incidentLink(incident: Incident): HTMLElement {
  return h("a", { href: `#/operations/incidents/${encodeURIComponent(incident.incidentId)}` }, incident.incidentId);
}

/** What became of an incident, in a few words: its ticket, who resolved it, or the rung it is on. */
function outcome(incident: Incident): string {
  if (incident.status === "Resolved")
    return `Resolved ${incident.resolvedBy === "RemoteAction" ? `by remote action (rung ${incident.resolvedAtStep})` : incident.resolvedBy === "OnSite" ? "on site" : "by itself"}`;
  if (incident.status === "Escalated") return `Ticket ${incident.ticketId ?? "–"}`;
  const current = incident.steps.at(-1);
  return current ? `Rung ${current.step}: ${current.action}` : "Waiting for its first rung";
}

/**
 * One status's incidents, newest first, a page at a time: the open and escalated ones are listed before the resolved,
 * so what needs attention is on top however many incidents were resolved before it.
 */
export function incidentList(api: Api, status: IncidentStatus, heading: string): { element: HTMLElement; loaded: Promise<void> } {
  const body = h("div", {});
  const element = h("section", { "data-testid": `incidents-${status.toLowerCase()}` }, body);
  const cursors: (string | null)[] = [null];

  async function load(index: number): Promise<void> {
    body.setAttribute("aria-busy", "true");
    try {
      const cursor = cursors[index];
      const answer = await api.get<IncidentPage>(`/api/incidents?status=${status.toLowerCase()}&limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      cursors[index + 1] = answer.next;
      const pager = h("div", { class: "pager" },
        h("button", { type: "button", class: "secondary", "data-page": "previous", disabled: index === 0, onclick: () => void load(index - 1) }, "Previous"),
        h("button", { type: "button", class: "secondary", "data-page": "next", disabled: !answer.next, onclick: () => void load(index + 1) }, "Next"));
      body.replaceChildren(table(`${heading} (newest first)`, [
        { header: "Incident", cell: incidentLink },
        { header: "Kind", cell: (i) => i.kind },
        { header: "Charger", cell: (i) => h("a", { href: `#/network/chargers/${encodeURIComponent(i.chargerId)}` }, i.chargerId) },
        { header: "EVSE", cell: (i) => i.evseId, numeric: true },
        { header: "Site", cell: (i) => i.siteId },
        { header: "Opened", cell: (i) => format.instant(i.openedAt) },
        { header: "Status", cell: (i) => h("span", { "data-field": "status" }, i.status) },
        { header: "Remote actions", cell: (i) => figure("rungs", i.steps.length, format.count(i.steps.length)), numeric: true },
        { header: "Where it stands", cell: outcome },
      ], answer.items, (i) => ({ "data-incident": i.incidentId })), ...(index > 0 || answer.next ? [pager] : []));
    } catch (problem) {
      body.replaceChildren(errorBox(problem));
    } finally {
      body.removeAttribute("aria-busy");
    }
  }

  return { element, loaded: load(0) };
}

function definitions(rows: [string, Node | string][]): HTMLElement {
  return h("dl", { class: "facts" }, rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

/** One incident: what opened it, each rung with the charger's answer, how it ended, and every event of its stream. */
export async function renderIncident(root: HTMLElement, api: Api, incidentId: string): Promise<void> {
  root.append(h("p", {}, h("a", { href: "#/operations" }, "← Operations")), h("h1", {}, `Incident ${incidentId}`));
  let answer: IncidentAnswer;
  try {
    answer = await api.get<IncidentAnswer>(`/api/incidents/${encodeURIComponent(incidentId)}`);
  } catch (problem) {
    root.append(errorBox(problem));
    return;
  }
  const incident = answer.incident;
  root.setAttribute("data-incident", incident.incidentId);
  root.append(
    definitions([
      ["Status", h("span", { "data-field": "status" }, incident.status)],
      ["Kind", incident.kind],
      ["Charger", h("a", { href: `#/network/chargers/${encodeURIComponent(incident.chargerId)}` }, `${incident.chargerId} (EVSE ${incident.evseId})`)],
      ["Site", incident.siteId],
      ["Charger model", `${incident.vendor} ${incident.model}, firmware ${incident.firmwareVersion ?? "unknown"}`],
      ["Error code", incident.errorCode ?? "–"],
      ["Opened", format.instant(incident.openedAt)],
      ["Evidence that opened it", incident.openedEvidence],
      ...(incident.ticketId ? [["Ticket", `${incident.ticketId}, ${format.instant(incident.escalatedAt)}`] as [string, string]] : []),
      ...(incident.escalationEvidence.length > 0
        ? [["Evidence for the ticket", h("ul", {}, incident.escalationEvidence.map((line) => h("li", {}, line)))] as [string, Node]] : []),
      ...(incident.resolvedAt ? [["Resolved", `${format.instant(incident.resolvedAt)}, ${outcome(incident).toLowerCase()}`] as [string, string],
        ["Evidence of recovery", incident.resolutionEvidence ?? "–"] as [string, string]] : []),
    ]),
    h("h2", {}, "Ladder of remote actions"),
    h("div", { "data-testid": "ladder" }, table("Each rung taken, with the charger's answer", [
      { header: "Rung", cell: (s) => s.step, numeric: true },
      { header: "Action", cell: (s) => s.action },
      { header: "Taken", cell: (s) => format.instant(s.takenAt) },
      { header: "Evidence due", cell: (s) => format.instant(s.evidenceDueAt) },
      { header: "Answer", cell: (s) => s.result ? `${s.result}${s.answerStatus && s.answerStatus !== s.result ? ` (${s.answerStatus})` : ""}` : "Waiting" },
      { header: "Answered", cell: (s) => format.instant(s.answeredAt) },
      { header: "Commands", cell: (s) => s.commandIds.join(", ") },
    ], incident.steps, (s) => ({ "data-step": s.step }))),
    h("h2", {}, "History"),
    h("div", { "data-testid": "history" }, table("Every event of the incident's stream", [
      { header: "Version", cell: (e) => e.version, numeric: true },
      { header: "Position", cell: (e) => e.sequence, numeric: true },
      { header: "Event", cell: (e) => e.type },
      { header: "By", cell: (e) => e.actor },
      { header: "Recorded", cell: (e) => format.instant(e.recordedAt) },
    ], answer.history)));
}
