// A verify run of the whole chain (POST /api/audit/verify-runs, then GET /api/audit/verify-runs/{runId}): the host walks
// every link against the signed checkpoints and their anchors in the background, and the page shows how far it is.
import type { Api } from "../shell/api";
import { errorBox, figure, h } from "../shell/dom";
import * as format from "../shell/format";
import { runFollower, type Run } from "./runs";

interface BrokenEvent {
  sequence: number;
  streamId: string | null;
  kind: string;
  detail: string;
}

export interface VerifyRun extends Run {
  checked: number;
  total: number;
  firstBroken: BrokenEvent | null;
  verdict: string;
  startedAt: string;
  finishedAt: string | null;
}

/** The verify button, its progress bar and its verdict. */
export function verifySection(api: Api, onLeave: (cleanup: () => void) => void): HTMLElement {
  const bar = h("progress", { "data-testid": "verify-progress", max: 1, value: 0, "aria-label": "Ledger positions verified so far" });
  const counts = h("span", {});
  const progress = h("div", { class: "verify-progress", hidden: true }, bar, " ", counts);
  const verdict = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "button", "data-command": "verify" }, "Verify the chain");

  function show(run: VerifyRun): void {
    progress.hidden = false;
    bar.max = Math.max(run.total, 1);
    bar.value = run.checked;
    bar.setAttribute("data-value", String(run.checked));
    counts.replaceChildren(
      figure("verify-checked", run.checked, format.count(run.checked)), " of ",
      figure("verify-total", run.total, format.count(run.total)), " ledger positions checked");
    if (run.status === "running") {
      verdict.replaceChildren(h("p", {}, `${run.verdict} Started ${format.instant(run.startedAt)}.`));
      return;
    }
    const broken = run.firstBroken;
    verdict.replaceChildren(h("div", { "data-testid": "verify-verdict", "data-status": run.status, class: run.status === "passed" ? "notice" : "error", role: "status" },
      h("p", {}, h("strong", {}, run.status === "passed" ? "Passed. " : "Failed. "), run.verdict),
      broken ? h("p", { "data-testid": "first-broken" }, "First broken at ledger position ", figure("first-broken", broken.sequence, format.count(broken.sequence)),
        `${broken.streamId ? ` (stream ${broken.streamId})` : ""}: ${broken.kind}, ${broken.detail}`) : null,
      h("p", {}, `Run ${run.runId}, ${format.instant(run.startedAt)} to ${format.instant(run.finishedAt)}.`)));
  }

  const follower = runFollower<VerifyRun>(api, onLeave, show, (problem) => verdict.replaceChildren(errorBox(problem)));
  button.addEventListener("click", async () => {
    button.disabled = true;
    verdict.replaceChildren(h("p", {}, "Starting a verify run…"));
    try {
      await follower.start("/api/audit/verify-runs", (runId) => `/api/audit/verify-runs/${encodeURIComponent(runId)}`);
    } catch (problem) {
      verdict.replaceChildren(errorBox(problem));
    } finally {
      button.disabled = false;
    }
  });

  return h("section", { "aria-labelledby": "verify-heading", "data-testid": "verify" },
    h("h2", { id: "verify-heading" }, "Verify the chain"),
    h("p", {}, "Recomputes every link of the hash chain and checks it against each signed checkpoint and its anchor outside "
      + "the database; it names the first event edited, deleted, inserted or reordered."),
    button, progress, verdict);
}
