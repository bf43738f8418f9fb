// A replay comparison (GET /api/audit/replay-comparison?until=): every projection rebuilt from the ledger into a separate
// schema and its documents compared with the live ones. It is heavy, so it runs when asked, not when the page opens.
import type { Api } from "../shell/api";
import { errorBox, field, figure, h, table } from "../shell/dom";
import * as format from "../shell/format";

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

export interface ReplayComparison {
  kinds: KindComparison[];
  differences: DocumentDifference[];
  afterCut: DocumentDifference[];
  reproduced: boolean;
}

const differencesShown = 100;

function differenceTable(caption: string, rows: DocumentDifference[]): HTMLElement {
  return table(rows.length > differencesShown ? `${caption} (the first ${differencesShown} of ${rows.length})` : caption, [
    { header: "Kind", cell: (d) => d.kind },
    { header: "Document", cell: (d) => d.document },
    { header: "Where", cell: (d) => d.where },
    { header: "Live", cell: (d) => d.live },
    { header: "Replay", cell: (d) => d.replay },
  ], rows.slice(0, differencesShown));
}

function result(comparison: ReplayComparison): HTMLElement[] {
  return [
    h("p", { "data-testid": "replay-verdict", "data-status": comparison.reproduced ? "reproduced" : "different", class: comparison.reproduced ? "notice" : "error", role: "status" },
      comparison.reproduced
        ? "Reproduced: every document rebuilt from the ledger equals the live one (those changed after the cut aside)."
        : "Not reproduced: the replay differs from the live documents where the cut does not explain it."),
    table("Documents compared, by kind", [
      { header: "Kind", cell: (k) => k.kind },
      { header: "Compared", cell: (k) => figure("compared", k.compared, format.count(k.compared), { "data-kind": k.kind }), numeric: true },
      { header: "Identical", cell: (k) => figure("identical", k.identical, format.count(k.identical), { "data-kind": k.kind }), numeric: true },
      { header: "Different", cell: (k) => figure("different", k.different, format.count(k.different), { "data-kind": k.kind }), numeric: true },
      { header: "Changed after the cut", cell: (k) => figure("after-cut", k.afterCut, format.count(k.afterCut), { "data-kind": k.kind }), numeric: true },
    ], comparison.kinds, (k) => ({ "data-kind": k.kind })),
    ...(comparison.differences.length > 0 ? [differenceTable("Differences the cut does not explain", comparison.differences)] : []),
    ...(comparison.afterCut.length > 0 ? [h("details", {}, h("summary", {}, `Changed after the cut (${format.count(comparison.afterCut.length)})`),
      differenceTable("Documents written after the cut: different because history went on", comparison.afterCut))] : []),
  ];
}

export function replaySection(api: Api): HTMLElement {
  const until = h("input", { type: "text", name: "until", autocomplete: "off", placeholder: "2026-10-15T00:00:00Z", spellcheck: "false" });
  const button = h("button", { type: "submit", "data-command": "replay" }, "Compare a replay");
  const output = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "filters" },
    field("Until (an instant in UTC; empty: the whole ledger)", until), button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    output.replaceChildren(h("p", { "aria-busy": "true" }, "Replaying the ledger into a separate schema and comparing every document… this takes a while."));
    try {
      const query = until.value.trim() === "" ? "" : `?until=${encodeURIComponent(until.value.trim())}`;
      output.replaceChildren(...result(await api.get<ReplayComparison>(`/api/audit/replay-comparison${query}`)));
    } catch (problem) {
      output.replaceChildren(errorBox(problem));
    } finally {
      button.disabled = false;
    }
  });
  return h("section", { "aria-labelledby": "replay-heading", "data-testid": "replay-comparison" },
    h("h2", { id: "replay-heading" }, "Replay comparison"),
    h("p", {}, "Rebuilds every read model from the events alone and renders the same invoices, CDRs, KPIs and reports from both, "
      + "to show the documents follow from the ledger."),
    form, output);
}
