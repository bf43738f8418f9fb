// The operator's remote commands for one charger. Each is a small form: choosing the command asks for a confirmation
// naming exactly what will be sent, and the charger's answer (or why it did not get one) is shown beside it.
import { ApiError, type Api } from "../shell/api";
import { field, h } from "../shell/dom";
import * as format from "../shell/format";
import type { Charger, CommandResult, LiveCharger, Paged, SessionEntry } from "./types";

/** OCPP messages a charger can be asked to send again (those both OCPP 1.6 and 2.0.1 know). */
const triggerable = ["StatusNotification", "Heartbeat", "BootNotification", "MeterValues", "FirmwareStatusNotification"];

interface Command {
  name: string;
  title: string;
  controls: HTMLElement[];
  /** The request body, and the sentence the confirmation asks about. */
  prepare(): { body: unknown; question: string };
}

function select(name: string, options: { value: string; label: string }[]): HTMLSelectElement {
  return h("select", { name }, options.map((o) => h("option", { value: o.value }, o.label)));
}

function evseOptions(charger: Charger): { value: string; label: string }[] {
  return charger.evses.map((e) => ({ value: String(e.evseId), label: `EVSE ${e.evseId}` }));
}

function connectorOptions(charger: Charger): { value: string; label: string }[] {
  return charger.evses.flatMap((e) => e.connectors.map((c) => ({ value: `${e.evseId}-${c.connectorId}`, label: `EVSE ${e.evseId}, connector ${c.connectorId}` })));
}

/** Why a command got no accepted answer, in the words of CommandEndpoints' status codes. */
function refusal(problem: unknown): string {
  if (!(problem instanceof ApiError)) return String(problem);
  const why: Record<number, string> = { 409: "The charger is not connected", 502: "The charger answered with an error", 504: "The charger did not answer in time" };
  return why[problem.status] ? `${why[problem.status]} (${problem.message}).` : problem.message;
}

function form(api: Api, chargerId: string, command: Command): HTMLElement {
  const answer = h("div", { "aria-live": "polite", "data-testid": "command-answer", "data-command": command.name });
  const confirmation = h("div", { class: "confirm", hidden: true });
  const start = h("button", { type: "submit", "data-command": command.name }, command.title);
  const element = h("form", { class: "command", "aria-label": command.title }, ...command.controls, start, confirmation, answer);
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    const { body, question } = command.prepare();
    const yes = h("button", { type: "button", "data-confirm": command.name }, "Confirm");
    const no = h("button", { type: "button", class: "secondary", "data-cancel": command.name }, "Cancel");
    confirmation.replaceChildren(h("p", { role: "alert" }, question), yes, no);
    confirmation.hidden = false;
    start.disabled = true;
    const close = () => { confirmation.hidden = true; confirmation.replaceChildren(); start.disabled = false; };
    no.addEventListener("click", () => { close(); start.focus(); });
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      answer.replaceChildren(h("p", {}, "Sent; waiting for the charger's answer…"));
      answer.removeAttribute("data-status");
      try {
        const result = await api.post<CommandResult>(`/api/chargers/${encodeURIComponent(chargerId)}/commands/${command.name}`, body);
        answer.dataset.status = result.status ?? result.outcome;
        answer.replaceChildren(h("p", { class: result.status === "Accepted" ? "notice" : "error" },
          `${result.action}: the charger answered ${result.status ?? result.outcome}.`, result.error ? ` ${result.error}` : ""));
      } catch (problem) {
        answer.dataset.status = problem instanceof ApiError ? String(problem.status) : "failed";
        answer.replaceChildren(h("p", { class: "error", role: "alert" }, refusal(problem)));
      }
      close();
      start.focus();
    });
    yes.focus();
  });
  return element;
}

/** The command forms for the operator; remote stop lists the sessions running on the charger now (`ready` once it knows). */
export function commandPanel(api: Api, charger: Charger, live: () => LiveCharger | null): { panel: HTMLElement; ready: Promise<void> } {
  const id = charger.chargerId;
  const resetKind = select("kind", [{ value: "Soft", label: "Soft (when idle)" }, { value: "Hard", label: "Hard (at once)" }]);
  const availabilityEvse = select("evseId", evseOptions(charger));
  const availability = select("operative", [{ value: "false", label: "Inoperative" }, { value: "true", label: "Operative" }]);
  const unlockConnector = select("connector", connectorOptions(charger));
  const triggerMessage = select("message", triggerable.map((m) => ({ value: m, label: m })));
  const triggerEvse = select("evseId", [{ value: "", label: "The whole charger" }, ...evseOptions(charger)]);
  const stopSession = select("session", []);

  const commands: Command[] = [
    { name: "reset", title: "Reset", controls: [field("Kind of reset", resetKind)],
      prepare: () => ({ body: { kind: resetKind.value }, question: `Reset charger ${id} (${resetKind.value.toLowerCase()})? Sessions on it may stop.` }) },
    { name: "change-availability", title: "Change availability", controls: [field("EVSE", availabilityEvse), field("Make it", availability)],
      prepare: () => ({ body: { evseId: Number(availabilityEvse.value), operative: availability.value === "true" },
        question: `Make EVSE ${availabilityEvse.value} of ${id} ${availability.value === "true" ? "operative" : "inoperative"}?` }) },
    { name: "unlock-connector", title: "Unlock connector", controls: [field("Connector", unlockConnector)],
      prepare: () => {
        const [evseId, connectorId] = unlockConnector.value.split("-").map(Number);
        return { body: { evseId, connectorId }, question: `Unlock connector ${connectorId} of EVSE ${evseId} on ${id}?` };
      } },
    { name: "trigger-message", title: "Trigger message", controls: [field("Message", triggerMessage), field("For", triggerEvse)],
      prepare: () => ({ body: { message: triggerMessage.value, evseId: triggerEvse.value ? Number(triggerEvse.value) : null },
        question: `Ask ${id} to send ${triggerMessage.value}${triggerEvse.value ? ` for EVSE ${triggerEvse.value}` : ""}?` }) },
    { name: "remote-stop", title: "Stop session", controls: [field("Running session", stopSession)],
      prepare: () => ({ body: { transactionId: transactionOf(id, stopSession.value) }, question: `Stop session ${stopSession.value} on ${id}?` }) },
  ];
  const forms = commands.map((command) => form(api, id, command));
  const remoteStop = forms[forms.length - 1];
  const sessionsNote = h("p", { class: "muted" });
  remoteStop.prepend(sessionsNote);
  const loadSessions = async () => {
    try {
      const running = await api.get<Paged<SessionEntry>>(`/api/sessions?charger=${encodeURIComponent(id)}&status=active&limit=20`);
      stopSession.replaceChildren(...running.items.map((s) =>
        h("option", { value: s.sessionId }, `${s.sessionId} (EVSE ${s.evseId}, since ${format.instant(s.startedAt)})`)));
      const none = running.items.length === 0;
      sessionsNote.textContent = none ? "No session is running on this charger." : "";
      remoteStop.querySelector<HTMLButtonElement>('button[data-command="remote-stop"]')!.disabled = none;
    } catch (problem) {
      sessionsNote.textContent = refusal(problem);
    }
  };
  const ready = loadSessions();
  const refresh = h("button", { type: "button", class: "secondary" }, "Look again for running sessions");
  refresh.addEventListener("click", () => void loadSessions());
  remoteStop.append(refresh);
  const state = live();
  const panel = h("section", { "data-testid": "commands", "aria-labelledby": "commands-heading" },
    h("h2", { id: "commands-heading" }, "Remote commands"),
    h("p", {}, state && !state.online ? "The charger is offline: commands will be refused until it reconnects." : "Each command asks for confirmation before it is sent."),
    h("div", { class: "commands" }, forms));
  return { panel, ready };
}

/** OCPP's transaction id: sessions are recorded as "{chargerId}-{transactionId}". */
function transactionOf(chargerId: string, sessionId: string): string {
  return sessionId.startsWith(`${chargerId}-`) ? sessionId.slice(chargerId.length + 1) : sessionId;
}
