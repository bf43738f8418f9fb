// A replay run (POST /api/audit/replay-runs?until=, then GET /api/audit/replay-runs/{runId}): every projection rebuilt
// from the ledger into a separate schema and its documents compared with the live ones. It takes minutes on a month of
// data, so it runs when asked, not when the page opens, and the page shows its step and progress meanwhile.
import type { Api } from "../shell/api";
import { errorBox, field, figure, h, table } from "../shell/dom";
import * as format from "../shell/format";
import { runFollower, type Run } from "./runs";

interface KindComparison {
  kind: string;
  compared: number;
  identical: number;
  different: number;
  afterCut: number;
}

interface DocumentDifference {
  kind: string;
  document: string;
  where: string;
  live: string;
  replay: string;
}

interface ReplayComparison {
  reproduced: boolean;
  position: number;
  events: number;
  changedFrom: string | null;
  kinds: KindComparison[];
  differences: DocumentDifference[];
  moreDifferences: number;
  afterCut: DocumentDifference[];
  moreAfterCut: number;
}

export interface ReplayRun extends Run {
  until: string | null;
  step: string;
  done: number;
  total: number;
  verdict: string;
  comparison: ReplayComparison | null;
  startedAt: string;
  finishedAt: string | null;
}

function differenceTable(caption: string, rows: DocumentDifference[], more: number): HTMLElement {
  return table(more > 0 ? `${caption} (the first ${format.count(rows.length)}; ${format.count(more)} more)` : caption, [
    { header: "Kind", cell: (d) => d.kind },
    { header: "Document", cell: (d) => d.document },
    { header: "Where", cell: (d) => d.where },
    { header: "Live", cell: (d) => d.live },
    { header: "Replay", cell: (d) => d.replay },
  ], rows);
}

function comparisonShown(comparison: ReplayComparison): HTMLElement[] {
  return [
    h("p", {}, "Replayed ", figure("replay-events", comparison.events, format.count(comparison.events)), " events, up to ledger position ",
      figure("replay-position", comparison.position, format.count(comparison.position)),
      comparison.changedFrom ? `; documents written live from ${format.instant(comparison.changedFrom)} on changed after the cut.` : "."),
    table("Documents compared, by kind", [
      { header: "Kind", cell: (k) => k.kind },
      { header: "Compared", cell: (k) => figure("compared", k.compared, format.count(k.compared), { "data-kind": k.kind }), numeric: true },
      { header: "Identical", cell: (k) => figure("identical", k.identical, format.count(k.identical), { "data-kind": k.kind }), numeric: true },
      { header: "Different", cell: (k) => figure("different", k.different, format.count(k.different), { "data-kind": k.kind }), numeric: true },
      { header: "Changed after the cut", cell: (k) => figure("after-cut", k.afterCut, format.count(k.afterCut), { "data-kind": k.kind }), numeric: true },
    ], comparison.kinds, (k) => ({ "data-kind": k.kind })),
    ...(comparison.differences.length > 0 ? [differenceTable("Differences the cut does not explain", comparison.differences, comparison.moreDifferences)] : []),
    ...(comparison.afterCut.length > 0 ? [h("details", {}, h("summary", {}, "Documents changed after the cut"),
      differenceTable("Documents written after the cut: different because history went on", comparison.afterCut, comparison.moreAfterCut))] : []),
  ];
}

export function replaySection(api: Api, onLeave: (cleanup: () => void) => void): HTMLElement {
  const until = h("input", { type: "text", name: "until", autocomplete: "off", placeholder: "2026-10-15T00:00:00Z", spellcheck: "false" });
  const button = h("button", { type: "submit", "data-command": "replay" }, "Compare a replay");
  const bar = h("progress", { "data-testid": "replay-progress", max: 1, value: 0, "aria-label": "Replay progress" });
  const step = h("span", {});
  const progress = h("div", { class: "verify-progress", hidden: true }, bar, " ", step);
  const output = h("div", { "aria-live": "polite" });

  function show(run: ReplayRun): void {
    progress.hidden = run.status !== "running";
    bar.max = Math.max(run.total, 1);
    bar.value = run.done;
    step.textContent = `${run.step}: ${format.count(run.done)} of ${format.count(run.total)}`;
    if (run.status === "running") {
      output.replaceChildren(h("p", {}, run.verdict));
      return;
    }
    output.replaceChildren(
      h("div", { "data-testid": "replay-verdict", "data-status": run.status, class: run.status === "passed" ? "notice" : "error", role: "status" },
        h("p", {}, h("strong", {}, run.status === "passed" ? "Reproduced. " : "Not reproduced. "), run.verdict),
        h("p", {}, `Run ${run.runId}${run.until ? `, as of ${format.instant(run.until)}` : ", the whole ledger"}, `
          + `${format.instant(run.startedAt)} to ${format.instant(run.finishedAt)}.`)),
      ...(run.comparison ? comparisonShown(run.comparison) : []));
  }

  const follower = runFollower<ReplayRun>(api, onLeave, show, (problem) => output.replaceChildren(errorBox(problem)));
  const form = h("form", { class: "filters" }, field("Until (an instant in UTC; empty: the whole ledger)", until), button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    output.replaceChildren(h("p", {}, "Starting a replay run…"));
    try {
      const cut = until.value.trim();
      await follower.start(`/api/audit/replay-runs${cut === "" ? "" : `?until=${encodeURIComponent(cut)}`}`,
        (runId) => `/api/audit/replay-runs/${encodeURIComponent(runId)}`);
    } catch (problem) {
      output.replaceChildren(errorBox(problem));
    } finally {
      button.disabled = false;
    }
  });
  return h("section", { "aria-labelledby": "replay-heading", "data-testid": "replay-comparison" },
    h("h2", { id: "replay-heading" }, "Replay comparison"),
    h("p", {}, "Rebuilds every read model from the events alone and renders the same invoices, CDRs, KPIs and reports from "
      + "both sides, to show that the documents follow from the ledger."),
    form, progress, output);
}
