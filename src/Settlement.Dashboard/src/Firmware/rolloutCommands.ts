// Pause, resume and abort a rollout: each asks for confirmation with a reason, sends the command, shows the API's answer
// and hands back the rollout as the API now has it, so the page shows what was recorded rather than what was asked.
import type { Api } from "../shell/api";
import { errorBox, field, h } from "../shell/dom";
import type { Me } from "../shell/page";
import type { Rollout } from "./rollouts";

export type RolloutCommand = "pause" | "resume" | "abort";

// Pause and abort record their reason with the event; a resume records none, so it asks for none.
const wording: Record<RolloutCommand, { verb: string; done: string; asksReason: boolean; explain: string }> = {
  pause: { verb: "Pause", done: "paused", asksReason: true, explain: "No new update is sent until it is resumed; updates already sent finish." },
  resume: { verb: "Resume", done: "resumed", asksReason: false, explain: "The rollout goes on where it stopped." },
  abort: { verb: "Abort", done: "aborted", asksReason: true, explain: "Nothing more is sent, and an aborted rollout cannot be resumed." },
};

const allCommands: RolloutCommand[] = ["pause", "resume", "abort"];

function mayCall(me: Me, command: RolloutCommand): boolean {
  return me.endpoints.includes(`POST /api/firmware/rollouts/{rolloutId}/${command}`);
}

/** Whether the key's role may give any rollout command (the access table: the operator's alone); other roles see no buttons. */
export function mayControlAny(me: Me): boolean {
  return allCommands.some((command) => mayCall(me, command));
}

/** The commands the rollout's status still takes (the API refuses the others as conflicts). */
function commandsFor(status: string): RolloutCommand[] {
  switch (status) {
    case "Planned": case "Running": case "Soaking": return ["pause", "abort"];
    case "Paused": return ["resume", "abort"];
    case "Halted": return ["abort"];
    default: return [];
  }
}

/**
 * The rollout's command buttons. Each opens a confirmation dialog (`dialog[data-testid="confirm-command"]`: a reason,
 * then `button[data-confirm]`); a refusal is shown in the dialog (`[data-testid="confirm-answer"]`), an accepted command
 * closes it and `onDone` receives the API's answer in words, for the page to show beside the rollout it reads again.
 */
export function rolloutCommands(api: Api, me: Me, rollout: Rollout, onDone: (message: string) => void): HTMLElement {
  const commands = commandsFor(rollout.status).filter((command) => mayCall(me, command));
  const group = h("div", { class: "commands", role: "group", "aria-label": `Commands for rollout ${rollout.id}` });
  for (const command of commands) {
    const button = h("button", { type: "button", class: command === "abort" ? "danger" : "secondary", "data-command": command }, wording[command].verb);
    button.addEventListener("click", () => confirmCommand(api, rollout, command, button, onDone));
    group.append(button);
  }
  return group;
}

function confirmCommand(api: Api, rollout: Rollout, command: RolloutCommand, opener: HTMLButtonElement, onDone: (message: string) => void): void {
  const words = wording[command];
  const reason = h("input", { type: "text", name: "reason", maxlength: 500, required: true, autocomplete: "off" });
  const answer = h("div", { "data-testid": "confirm-answer", "aria-live": "polite" });
  const confirm = h("button", { type: "submit", "data-confirm": command, class: command === "abort" ? "danger" : null }, `Confirm: ${words.verb.toLowerCase()}`);
  const cancel = h("button", { type: "button", class: "secondary", value: "cancel" }, "Cancel");
  // Our own check rather than the browser's bubble: the problem is shown and announced like the API's.
  const form = h("form", { method: "dialog", novalidate: true },
    h("h2", { id: `confirm-${command}` }, `${words.verb} rollout ${rollout.name}?`),
    h("p", {}, words.explain),
    words.asksReason ? field("Reason", reason) : null,
    answer,
    h("div", { class: "commands" }, confirm, cancel));
  const dialog = h("dialog", { "aria-labelledby": `confirm-${command}`, "data-testid": "confirm-command" }, form);
  const close = () => { dialog.close(); dialog.remove(); opener.focus(); };
  cancel.addEventListener("click", close);
  dialog.addEventListener("cancel", (event) => { event.preventDefault(); close(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (words.asksReason && reason.value.trim() === "") {
      answer.replaceChildren(errorBox(`reason: say why the rollout is ${words.done}; it is recorded with the command.`));
      reason.focus();
      return;
    }
    confirm.disabled = true;
    answer.replaceChildren(h("p", {}, "Sending…"));
    try {
      // The endpoints' body has a reason field even for resume, which ignores it.
      const body = { reason: words.asksReason ? reason.value.trim() : "" };
      const updated = await api.post<Rollout>(`/api/firmware/rollouts/${encodeURIComponent(rollout.id)}/${command}`, body);
      close();
      onDone(`Rollout ${updated.name} ${words.done}: it is now ${updated.status}.`);
    } catch (problem) {
      answer.replaceChildren(errorBox(problem));
      confirm.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  (words.asksReason ? reason : confirm).focus();
}
