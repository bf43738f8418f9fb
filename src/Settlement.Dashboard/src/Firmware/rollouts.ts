// Staged firmware rollouts (GET /api/firmware/rollouts, /{id}): their stages, each charger's update, every health gate
// evaluated, and the operator's pause / resume / abort.
import type { Api } from "../shell/api";
import { card, errorBox, figure, h, table } from "../shell/dom";
import * as format from "../shell/format";
import type { Me } from "../shell/page";
import { mayControlAny, rolloutCommands } from "./rolloutCommands";

export interface RolloutCharger {
  chargerId: string;
  siteId: string;
  vendor: string;
  model: string;
  firmwareBefore: string | null;
  stage: number | null;
  status: string;
  commandId: string | null;
  detail: string | null;
  updatedAt: string | null;
}

interface HealthFigures {
  hours: number;
  bootAccepted: boolean | null;
  faultsPerHour: number;
  reconnectsPerHour: number;
  chargeSuccessPercent: number | null;
  uptimePercent: number;
}

interface GateResult {
  chargerId: string;
  baseline: HealthFigures;
  since: HealthFigures;
  failures: string[];
}

interface Gate {
  stage: number;
  results: GateResult[];
  passed: boolean;
  evaluatedAt: string;
}

export interface Rollout {
  id: string;
  name: string;
  version: string;
  rollbackVersion: string | null;
  status: string;
  paused: boolean;
  stage: number;
  canaryChargerIds: string[];
  chargers: RolloutCharger[];
  gates: Gate[];
  haltReason: string | null;
  plannedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  requested: number;
  succeeded: number;
  failed: number;
  deferred: number;
  pending: number;
  rolledBack: number;
}

interface RolloutPage {
  items: Rollout[];
  next: string | null;
}

const pageSize = 25;


function stageName(stage: number | null): string {
  return stage === null || stage < 0 ? "Not started" : stage === 0 ? "Canary (stage 0)" : `Wave ${stage}`;
}

function status(rollout: Rollout): HTMLElement {
  return h("span", { "data-field": "status" }, rollout.status);
}

function progress(rollout: Rollout): HTMLElement {
  const attributes = { "data-rollout": rollout.id };
  return h("span", {},
    figure("succeeded", rollout.succeeded, format.count(rollout.succeeded), attributes), " succeeded, ",
    figure("failed", rollout.failed, format.count(rollout.failed), attributes), " failed, ",
    figure("pending", rollout.pending, format.count(rollout.pending), attributes), " waiting");
}

/** The rollouts in the order they were planned, a page at a time; the operator's rows carry the commands their status still takes. */
export function rolloutList(api: Api, me: Me): { element: HTMLElement; loaded: Promise<void> } {
  const body = h("div", {});
  const answerShown = h("div", { "data-testid": "command-answer", role: "status" });
  const element = h("section", { "aria-labelledby": "rollouts-heading", "data-testid": "rollouts" },
    h("h2", { id: "rollouts-heading" }, "Firmware rollouts"), answerShown, body);
  const cursors: (string | null)[] = [null];
  let shown = 0;

  async function load(index: number): Promise<void> {
    body.setAttribute("aria-busy", "true");
    try {
      const cursor = cursors[index];
      const answer = await api.get<RolloutPage>(`/api/firmware/rollouts?limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      cursors[index + 1] = answer.next;
      shown = index;
      const columns = [
        { header: "Rollout", cell: (r: Rollout) => h("a", { href: `#/operations/rollouts/${encodeURIComponent(r.id)}` }, r.name) },
        { header: "Firmware", cell: (r: Rollout) => r.rollbackVersion ? `${r.version} (rollback ${r.rollbackVersion})` : r.version },
        { header: "Status", cell: status },
        { header: "Stage", cell: (r: Rollout) => stageName(r.stage) },
        { header: "Chargers", cell: (r: Rollout) => figure("chargers", r.chargers.length, format.count(r.chargers.length), { "data-rollout": r.id }), numeric: true },
        { header: "Updates", cell: progress },
        { header: "Planned", cell: (r: Rollout) => format.instant(r.plannedAt) },
        ...(mayControlAny(me) ? [{ header: "Commands", cell: (r: Rollout) => rolloutCommands(api, me, r, done) }] : []),
      ];
      const pager = h("div", { class: "pager" },
        h("button", { type: "button", class: "secondary", "data-page": "previous", disabled: index === 0, onclick: () => void load(index - 1) }, "Previous"),
        h("button", { type: "button", class: "secondary", "data-page": "next", disabled: !answer.next, onclick: () => void load(index + 1) }, "Next"));
      body.replaceChildren(table("Rollouts, in the order they were planned", columns, answer.items, (r) => ({ "data-rollout": r.id })),
        ...(index > 0 || answer.next ? [pager] : []));
    } catch (problem) {
      body.replaceChildren(errorBox(problem));
    } finally {
      body.removeAttribute("aria-busy");
    }
  }

  function done(message: string): void {
    answerShown.replaceChildren(h("p", { class: "notice" }, message));
    void load(shown);
  }

  return { element, loaded: load(0) };
}

function gateTable(gate: Gate): HTMLElement {
  return h("section", { "data-gate": gate.stage, "data-passed": String(gate.passed) },
    h("h3", {}, `${stageName(gate.stage)}: gate ${gate.passed ? "passed" : "failed"}, ${format.instant(gate.evaluatedAt)}`),
    table(`Health gate of ${stageName(gate.stage).toLowerCase()}, each charger against its own baseline`, [
      { header: "Charger", cell: (r) => r.chargerId },
      { header: "Faults per hour (before → since)", cell: (r) => `${format.number(r.baseline.faultsPerHour, 2)} → ${format.number(r.since.faultsPerHour, 2)}`, numeric: true },
      { header: "Reconnects per hour (before → since)", cell: (r) => `${format.number(r.baseline.reconnectsPerHour, 2)} → ${format.number(r.since.reconnectsPerHour, 2)}`, numeric: true },
      { header: "Charge success (before → since)", cell: (r) => `${format.percent(r.baseline.chargeSuccessPercent)} → ${format.percent(r.since.chargeSuccessPercent)}`, numeric: true },
      { header: "Uptime (before → since)", cell: (r) => `${format.percent(r.baseline.uptimePercent)} → ${format.percent(r.since.uptimePercent)}`, numeric: true },
      { header: "Boot accepted", cell: (r) => r.since.bootAccepted === null ? "–" : r.since.bootAccepted ? "Yes" : "No" },
      { header: "Hours measured (before, since)", cell: (r) => `${format.number(r.baseline.hours, 1)}, ${format.number(r.since.hours, 1)}`, numeric: true },
      { header: "Verdict", cell: (r) => r.failures.length === 0 ? "Passed" : `Failed: ${r.failures.join("; ")}` },
    ], gate.results, (r) => ({ "data-charger": r.chargerId })));
}

function stages(rollout: Rollout): HTMLElement[] {
  const numbers = [...new Set(rollout.chargers.map((c) => c.stage ?? -1))].sort((a, b) => (a < 0 ? 1 : b < 0 ? -1 : a - b));
  return numbers.map((stage) => h("section", { "data-stage": stage },
    h("h3", {}, stage === rollout.stage && rollout.status !== "Completed" ? `${stageName(stage)}, the current stage` : stageName(stage)),
    table(stage < 0 ? "Chargers not yet sent the update" : `Chargers of ${stageName(stage).toLowerCase()}`, [
      { header: "Charger", cell: (c) => h("a", { href: `#/network/chargers/${encodeURIComponent(c.chargerId)}` }, c.chargerId) },
      { header: "Site", cell: (c) => c.siteId },
      { header: "Model", cell: (c) => `${c.vendor} ${c.model}` },
      { header: "Firmware before", cell: (c) => c.firmwareBefore ?? "–" },
      { header: "Update", cell: (c) => h("span", { "data-field": "status" }, c.status) },
      { header: "Detail", cell: (c) => c.detail ?? "" },
      { header: "Last change", cell: (c) => format.instant(c.updatedAt) },
    ], rollout.chargers.filter((c) => (c.stage ?? -1) === stage), (c) => ({ "data-charger": c.chargerId }))));
}

/** One rollout: where it is, its stages with each charger's update, and every gate; the operator's commands above. */
export async function renderRollout(root: HTMLElement, api: Api, me: Me, rolloutId: string): Promise<void> {
  const answerShown = h("div", { "data-testid": "command-answer", role: "status" });
  const body = h("div", {});
  root.append(h("p", {}, h("a", { href: "#/operations" }, "← Operations")), h("h1", {}, `Rollout ${rolloutId}`), answerShown, body);

  async function load(): Promise<void> {
    try {
      const rollout = await api.get<Rollout>(`/api/firmware/rollouts/${encodeURIComponent(rolloutId)}`);
      const attributes = { "data-rollout": rollout.id };
      body.replaceChildren(
        h("div", { class: "cards", ...attributes },
          card("Status", status(rollout)),
          card("Stage", document.createTextNode(stageName(rollout.stage))),
          card("Succeeded", figure("succeeded", rollout.succeeded, format.count(rollout.succeeded), attributes)),
          card("Failed", figure("failed", rollout.failed, format.count(rollout.failed), attributes)),
          card("Updating", figure("requested", rollout.requested, format.count(rollout.requested), attributes)),
          card("Deferred", figure("deferred", rollout.deferred, format.count(rollout.deferred), attributes)),
          card("Waiting", figure("pending", rollout.pending, format.count(rollout.pending), attributes)),
          card("Rolled back", figure("rolled-back", rollout.rolledBack, format.count(rollout.rolledBack), attributes))),
        h("p", {}, `${rollout.name}: firmware ${rollout.version}${rollout.rollbackVersion ? `, rollback to ${rollout.rollbackVersion}` : ""}. `
          + `Planned ${format.instant(rollout.plannedAt)}, started ${format.instant(rollout.startedAt)}, finished ${format.instant(rollout.finishedAt)}.`),
        ...(rollout.haltReason ? [h("p", { class: "error", "data-testid": "halt-reason" }, `${rollout.status}: ${rollout.haltReason}`)] : []),
        ...(mayControlAny(me) ? [rolloutCommands(api, me, rollout, (message) => {
          answerShown.replaceChildren(h("p", { class: "notice" }, message));
          void load();
        })] : []),
        h("h2", {}, "Stages"),
        h("div", { "data-testid": "stages" }, stages(rollout)),
        h("h2", {}, "Health gates"),
        h("div", { "data-testid": "gates" }, rollout.gates.length === 0
          ? h("p", {}, "No gate evaluated yet: a stage's gate is measured when its soak ends.")
          : rollout.gates.map(gateTable)));
    } catch (problem) {
      body.replaceChildren(errorBox(problem));
    }
  }

  await load();
}
