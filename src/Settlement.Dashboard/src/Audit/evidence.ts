// Evidence for an auditor: the hash chain's head, the signed checkpoints that pin it (each also anchored outside the
// database), a verify run, a replay comparison, and the auditor's bundle of a period to take away.
import type { Api } from "../shell/api";
import { card, downloadLink, errorBox, figure, field, h, table } from "../shell/dom";
import * as format from "../shell/format";
import type { Page } from "../shell/page";
import { replaySection } from "./replayComparison";
import { verifySection } from "./verifyRun";

interface Checkpoint {
  seq: number;
  fromSeq: number;
  eventCount: number;
  hash: string;
  merkleRoot: string;
  signedAt: string;
  keyId: string;
  statement: string;
  publicKey: string;
  signature: string;
}

interface Chain {
  headSeq: number;
  headHash: string;
  checkpoints: number;
  lastCheckpoint: Checkpoint | null;
}

const checkpointsShown = 50;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

function short(hash: string): HTMLElement {
  return h("code", { title: hash }, `${hash.slice(0, 16)}…`);
}

function utcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * The bundle's period: `from` and `through` of the hash query, else the 30 days through the day of the last checkpoint
 * (the bundle holds events by the time they were recorded, and a checkpoint pins what was recorded by then).
 */
function period(query: URLSearchParams, lastCheckpoint: Checkpoint | null): { from: string; through: string } {
  const through = query.get("through") ?? utcDate(lastCheckpoint ? new Date(lastCheckpoint.signedAt) : new Date());
  const from = query.get("from") ?? utcDate(new Date(Date.parse(`${through}T00:00:00Z`) - 29 * 86_400_000));
  return { from, through };
}

function chainSection(chain: Chain): HTMLElement {
  return h("section", { "aria-labelledby": "chain-heading" },
    h("h2", { id: "chain-heading" }, "Chain head"),
    h("div", { class: "cards" },
      card("Chain head at position", figure("chain-head", chain.headSeq, format.count(chain.headSeq))),
      card("Signed checkpoints", figure("checkpoints", chain.checkpoints, format.count(chain.checkpoints))),
      card("Last checkpoint", chain.lastCheckpoint
        ? h("span", {}, "at ", figure("last-checkpoint", chain.lastCheckpoint.seq, format.count(chain.lastCheckpoint.seq)), `, ${format.instant(chain.lastCheckpoint.signedAt)}`)
        : h("span", {}, "none yet"))),
    h("p", {}, "Head hash: ", h("code", { class: "hash", "data-testid": "head-hash" }, chain.headHash)),
    h("p", {}, "Each event's hash links it to the one before; the head is the hash of the last event chained. "
      + "A checkpoint signs the head with the operator's key and is appended to an anchor log outside the database."));
}

function checkpointsSection(checkpoints: Checkpoint[]): HTMLElement {
  const newest = [...checkpoints].sort((a, b) => b.seq - a.seq).slice(0, checkpointsShown);
  return h("section", { "aria-labelledby": "checkpoints-heading" },
    h("h2", { id: "checkpoints-heading" }, "Checkpoints and anchors"),
    h("div", { "data-testid": "checkpoints" }, table(checkpoints.length > checkpointsShown
      ? `The newest ${checkpointsShown} of ${format.count(checkpoints.length)} signed checkpoints` : "Signed checkpoints, newest first", [
      { header: "Up to position", cell: (c) => figure("checkpoint-seq", c.seq, format.count(c.seq)), numeric: true },
      { header: "From position", cell: (c) => format.count(c.fromSeq), numeric: true },
      { header: "Events", cell: (c) => figure("checkpoint-events", c.eventCount, format.count(c.eventCount)), numeric: true },
      { header: "Chain hash", cell: (c) => short(c.hash) },
      { header: "Merkle root", cell: (c) => short(c.merkleRoot) },
      { header: "Signed", cell: (c) => format.instant(c.signedAt) },
      { header: "Key", cell: (c) => c.keyId },
      { header: "Signed statement", cell: (c) => h("details", {}, h("summary", {}, "Statement and signature"),
        h("pre", { class: "evidence-text" }, `${c.statement}\n\nsignature (ECDSA, base64): ${c.signature}\n\n${c.publicKey}`)) },
    ], newest, (c) => ({ "data-checkpoint": c.seq }))));
}

function bundleSection(api: Api, from: string, through: string): HTMLElement {
  const fromInput = h("input", { type: "date", name: "from", value: from, required: true });
  const throughInput = h("input", { type: "date", name: "through", value: through, required: true });
  const download = downloadLink("zip", "Download the bundle (zip)", () => {
    const [start, end] = [fromInput.value, throughInput.value];
    if (!datePattern.test(start) || !datePattern.test(end) || end < start)
      return Promise.reject(new Error("From, Through: two dates, Through on or after From."));
    return api.download(`/api/audit/bundle?from=${start}&to=${end}`, `settlement-bundle-${start}-${end}.zip`);
  });
  return h("section", { "aria-labelledby": "bundle-heading" },
    h("h2", { id: "bundle-heading" }, "Auditor's bundle"),
    h("p", {}, "The period's events as recorded, the chain links and signed checkpoints that pin them, the documents derived "
      + "from them and a manifest of hashes, which ", h("code", {}, "settle verify"), " checks with no access to this host."),
    h("div", { class: "filters" }, field("From (UTC date)", fromInput), field("Through (UTC date)", throughInput), download));
}

export const page: Page = {
  id: "evidence",
  title: "Evidence",
  routes: ["/evidence"],
  inMenu: true,
  async render(root, { api, me, query, onLeave }) {
    root.append(h("h1", {}, "Evidence"));
    const [chain, checkpoints] = await Promise.allSettled([
      api.get<Chain>("/api/audit/chain"),
      api.get<Checkpoint[]>("/api/audit/checkpoints"),
    ]);
    const shown = period(query, chain.status === "fulfilled" ? chain.value.lastCheckpoint : null);
    root.setAttribute("data-from", shown.from);
    root.setAttribute("data-through", shown.through);
    root.append(
      chain.status === "fulfilled" ? chainSection(chain.value) : errorBox(chain.reason),
      checkpoints.status === "fulfilled" ? checkpointsSection(checkpoints.value) : errorBox(checkpoints.reason),
      // The runs and the bundle cover the whole ledger: offered only to roles the access table lets start them.
      ...(me.endpoints.includes("POST /api/audit/verify-runs") ? [verifySection(api, onLeave)] : []),
      ...(me.endpoints.includes("POST /api/audit/replay-runs") ? [replaySection(api, onLeave)] : []),
      ...(me.endpoints.includes("GET /api/audit/bundle") ? [bundleSection(api, shown.from, shown.through)] : []));
  },
};
