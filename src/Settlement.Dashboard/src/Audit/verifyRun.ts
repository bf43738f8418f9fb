// A verify run of the whole chain (POST /api/audit/verify-runs, then GET /api/audit/verify-runs/{runId}): the host checks
// every link, checkpoint and anchor in the background, and the page follows its progress once a second while it runs.
import type { Api } from "../shell/api";
import { errorBox, figure, h } from "../shell/dom";
import * as format from "../shell/format";

export interface VerifyRun {
  runId: string;
  status: "running" | "passed" | "failed";
  checked: number;
  total: number;
  firstBroken?: number | null;
  verdict: string;
  startedAt: string;
  finishedAt?: string | null;
}

const pollEveryMs = 1_000;

/** The verify button, its progress bar and its verdict; `onLeave` stops following a run when the user leaves the page. */
export function verifySection(api: Api, onLeave: (cleanup: () => void) => void): HTMLElement {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let left = false;
  onLeave(() => { left = true; clearTimeout(timer); });

  const bar = h("progress", { "data-testid": "verify-progress", max: 1, value: 0, "aria-label": "Chain verified so far" });
  const counts = h("span", {});
  const verdict = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "button", "data-command": "verify" }, "Verify the chain");
  const progress = h("div", { class: "verify-progress", hidden: true }, bar, " ", counts);

  function show(run: VerifyRun): void {
    progress.hidden = false;
    bar.max = Math.max(run.total, 1);
    bar.value = run.checked;
    bar.setAttribute("data-value", String(run.checked));
    counts.replaceChildren(
      figure("verify-checked", run.checked, format.count(run.checked)), " of ",
      figure("verify-total", run.total, format.count(run.total)), " events checked");
    if (run.status === "running") {
      verdict.replaceChildren(h("p", {}, `Verifying since ${format.instant(run.startedAt)}…`));
      return;
    }
    verdict.replaceChildren(h("div", { "data-testid": "verify-verdict", "data-status": run.status, class: run.status === "passed" ? "notice" : "error", role: "status" },
      h("strong", {}, run.status === "passed" ? "Passed. " : "Failed. "), run.verdict,
      run.firstBroken === null || run.firstBroken === undefined ? null
        : h("p", {}, "First broken at ledger position ", figure("first-broken", run.firstBroken, format.count(run.firstBroken)), "."),
      h("p", {}, `Run ${run.runId}, ${format.instant(run.startedAt)} to ${format.instant(run.finishedAt)}.`)));
  }

  async function follow(runId: string): Promise<void> {
    if (left) return;
    try {
      const run = await api.get<VerifyRun>(`/api/audit/verify-runs/${encodeURIComponent(runId)}`);
      if (left) return;
      show(run);
      if (run.status === "running") timer = setTimeout(() => void follow(runId), pollEveryMs);
      else button.disabled = false;
    } catch (problem) {
      verdict.replaceChildren(errorBox(problem));
      button.disabled = false;
    }
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    clearTimeout(timer);
    verdict.replaceChildren(h("p", {}, "Starting a verify run…"));
    try {
      const started = await api.post<{ runId: string }>("/api/audit/verify-runs");
      await follow(started.runId);
    } catch (problem) {
      verdict.replaceChildren(errorBox(problem));
      button.disabled = false;
    }
  });

  return h("section", { "aria-labelledby": "verify-heading", "data-testid": "verify" },
    h("h2", { id: "verify-heading" }, "Verify the chain"),
    h("p", {}, "Recomputes every link of the hash chain and checks each signed checkpoint and its anchor outside the database; "
      + "it names the first event edited, deleted, inserted or reordered."),
    button, progress, verdict);
}
