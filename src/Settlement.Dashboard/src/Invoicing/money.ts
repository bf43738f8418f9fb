// Money, for finance: invoices and credit notes with every download the API serves, roaming CDRs, VAT per
// jurisdiction for the period, and receivables ageing for drivers and partners.
import { periodForm, periodOf } from "../shell/period";
import type { Api } from "../shell/api";
import { errorBox, figure, h, downloadLink, table } from "../shell/dom";
import * as format from "../shell/format";
import type { Page, PageContext } from "../shell/page";

interface InvoiceSummary {
  issuerId: string;
  number: string;
  kind: string;
  issueDate: string;
  buyer: string;
  partnerId: string | null;
  currency: string;
  totalNet: number;
  totalVat: number;
  totalGross: number;
  creditsInvoice: string | null;
  creditNotes: string[];
  href: string;
  eInvoiceRefusal: string | null;
}

interface CdrSummary {
  cdrId: string;
  partnerId: string;
  sessionId: string;
  credit: boolean;
  creditReferenceId: string | null;
  currency: string;
  totalCostExclVat: number;
  totalCostInclVat: number;
  totalEnergyKwh: number;
  startedAt: string;
  endedAt: string;
}

interface VatTotal { jurisdiction: string; currency: string; taxableNet: string; vat: string; invoices: number; creditNotes: number }
interface VatRow extends VatTotal { vatPercent: string; treatment: string; taxKind?: string; level?: string; authority?: string }
interface VatReport { periodFrom: string; periodThrough: string; basis: string; rows: VatRow[]; jurisdictionTotals: VatTotal[] }

interface AgeingRow { key: string; currency: string; invoices: number; notDue: number; days1To30: number; days31To60: number; days61To90: number; over90: number; owedBack: number; total: number }
interface AgeingReport { asOf: string; by: string; rows: AgeingRow[] }

interface Listing<T> { items: T[]; next: string | null }

const pageSize = 25;
const documentFormats: [string, string][] = [["pdf", "PDF"], ["csv", "CSV"], ["json", "JSON"]];
const eInvoiceFormats: [string, string][] = [["ubl", "UBL"], ["cii", "CII"], ["facturx", "Factur-X"]];
const buckets: [keyof AgeingRow, string][] = [
  ["notDue", "Not due"], ["days1To30", "1–30 days"], ["days31To60", "31–60 days"], ["days61To90", "61–90 days"], ["over90", "Over 90 days"], ["owedBack", "Owed back"], ["total", "Total"],
];

function downloads(api: Api, invoice: InvoiceSummary): HTMLElement {
  const link = ([format, label]: [string, string]) =>
    downloadLink(format, label, () => api.download(`${invoice.href}?format=${format}`, `${invoice.number}.${format === "facturx" ? "facturx.pdf" : format === "ubl" || format === "cii" ? `${format}.xml` : format}`));
  return h("span", { class: "downloads" },
    documentFormats.map(link),
    invoice.eInvoiceRefusal === null
      ? eInvoiceFormats.map(link)
      : h("span", { class: "muted", "data-testid": "no-einvoice" }, `No UBL, CII or Factur-X: ${invoice.eInvoiceRefusal}`));
}

/** A list section paged by its own cursor in the hash query, so each list pages on its own. */
function pager(context: PageContext, list: string, cursorName: string, next: string | null): HTMLElement {
  const nav = h("nav", { class: "pager", "aria-label": `Pages of ${list}` });
  if (context.query.get(cursorName)) {
    const first = new URLSearchParams(context.query);
    first.delete(cursorName);
    nav.append(h("button", { type: "button", class: "secondary", "data-page": "first", "data-list": list, onclick: () => context.navigate(`/money?${first}`) }, `First page of ${list}`));
  }
  if (next) {
    const after = new URLSearchParams(context.query);
    after.set(cursorName, next);
    nav.append(h("button", { type: "button", "data-page": "next", "data-list": list, onclick: () => context.navigate(`/money?${after}`) }, `Next page of ${list}`));
  }
  return nav;
}

async function invoices(api: Api, context: PageContext): Promise<HTMLElement> {
  const section = h("section", { "aria-labelledby": "invoices-heading" }, h("h2", { id: "invoices-heading" }, "Invoices and credit notes"),
    h("p", {}, "Every document in issue order, whatever its tax period; downloads in each format the API serves."));
  const ask = new URLSearchParams({ limit: String(pageSize) });
  const cursor = context.query.get("invoices");
  if (cursor) ask.set("cursor", cursor);
  try {
    const page = await api.get<Listing<InvoiceSummary>>(`/api/invoices?${ask}`);
    section.append(table<InvoiceSummary>("Invoices and credit notes", [
      { header: "Number", cell: (i) => i.number },
      { header: "Kind", cell: (i) => i.kind === "CreditNote" ? `Credit note for ${i.creditsInvoice ?? "–"}` : i.kind === "PartnerInvoice" ? `Partner invoice (${i.partnerId})` : "Session invoice" },
      { header: "Issued", cell: (i) => i.issueDate },
      { header: "Buyer", cell: (i) => i.buyer },
      { header: "Net", cell: (i) => figure("invoice-net", i.totalNet, format.money(i.totalNet, i.currency)), numeric: true },
      { header: "Tax", cell: (i) => figure("invoice-tax", i.totalVat, format.money(i.totalVat, i.currency)), numeric: true },
      { header: "Gross", cell: (i) => figure("invoice-gross", i.totalGross, format.money(i.totalGross, i.currency)), numeric: true },
      { header: "Credited by", cell: (i) => i.creditNotes.length ? i.creditNotes.join(", ") : "–" },
      { header: "Download", cell: (i) => downloads(api, i) },
    ], page.items, (i) => ({ "data-invoice": `${i.issuerId}/${i.number}` })), pager(context, "invoices", "invoices", page.next));
  } catch (problem) {
    section.append(errorBox(problem));
  }
  return section;
}

async function cdrs(api: Api, context: PageContext): Promise<HTMLElement> {
  const section = h("section", { "aria-labelledby": "cdrs-heading" }, h("h2", { id: "cdrs-heading" }, "Roaming CDRs"),
    h("p", {}, "The charge detail records sent to roaming partners, in issue order; each downloads as the OCPI CDR its partner received."));
  const ask = new URLSearchParams({ limit: String(pageSize) });
  const cursor = context.query.get("cdrs");
  if (cursor) ask.set("cursor", cursor);
  try {
    const page = await api.get<Listing<CdrSummary>>(`/api/roaming/cdrs?${ask}`);
    section.append(table<CdrSummary>("Roaming CDRs", [
      { header: "CDR", cell: (c) => c.credit ? `${c.cdrId} (credits ${c.creditReferenceId ?? "–"})` : c.cdrId },
      { header: "Partner", cell: (c) => c.partnerId },
      { header: "Session", cell: (c) => h("a", { href: `#/sessions/${encodeURIComponent(c.sessionId)}` }, c.sessionId) },
      { header: "Started", cell: (c) => format.instant(c.startedAt) },
      { header: "Energy", cell: (c) => figure("cdr-energy", c.totalEnergyKwh, format.kwh(c.totalEnergyKwh, 3)), numeric: true },
      { header: "Excl. VAT", cell: (c) => figure("cdr-excl-vat", c.totalCostExclVat, format.money(c.totalCostExclVat, c.currency)), numeric: true },
      { header: "Incl. VAT", cell: (c) => figure("cdr-incl-vat", c.totalCostInclVat, format.money(c.totalCostInclVat, c.currency)), numeric: true },
      { header: "Download", cell: (c) => downloadLink("json", "OCPI JSON", () => api.download(`/api/roaming/cdrs/${encodeURIComponent(c.cdrId)}`, `${c.cdrId}.json`)) },
    ], page.items, (c) => ({ "data-cdr": c.cdrId })), pager(context, "CDRs", "cdrs", page.next));
  } catch (problem) {
    section.append(errorBox(problem));
  }
  return section;
}

async function vat(api: Api, from: string, through: string): Promise<HTMLElement> {
  const section = h("section", { "aria-labelledby": "vat-heading" }, h("h2", { id: "vat-heading" }, "VAT and sales tax per jurisdiction"));
  const period = new URLSearchParams({ from, through });
  try {
    const report = await api.get<VatReport>(`/api/exports/vat?${period}&format=json`);
    section.append(
      h("p", {}, `By tax point, ${report.periodFrom} to ${report.periodThrough}. `,
        downloadLink("csv", "The VAT report as CSV", () => api.download(`/api/exports/vat?${period}&format=csv`, `vat-${from}-${through}.csv`))),
      table<VatTotal>("Totals per jurisdiction", [
        { header: "Jurisdiction", cell: (t) => t.jurisdiction },
        { header: "Taxable net", cell: (t) => figure("taxable-net", t.taxableNet, format.money(t.taxableNet, t.currency), { "data-jurisdiction": t.jurisdiction }), numeric: true },
        { header: "Tax", cell: (t) => figure("vat", t.vat, format.money(t.vat, t.currency), { "data-jurisdiction": t.jurisdiction, "data-currency": t.currency }), numeric: true },
        { header: "Invoices", cell: (t) => format.count(t.invoices), numeric: true },
        { header: "Credit notes", cell: (t) => format.count(t.creditNotes), numeric: true },
      ], report.jurisdictionTotals, (t) => ({ "data-jurisdiction": t.jurisdiction })),
      h("details", {}, h("summary", {}, "Per rate, treatment and authority"),
        table<VatRow>("Per rate, treatment and authority", [
          { header: "Jurisdiction", cell: (r) => r.jurisdiction },
          { header: "Rate", cell: (r) => format.percent(Number(r.vatPercent), 2), numeric: true },
          { header: "Treatment", cell: (r) => r.treatment },
          { header: "Tax", cell: (r) => r.taxKind === "SalesTax" ? `Sales tax, ${r.level}: ${r.authority}` : "VAT" },
          { header: "Taxable net", cell: (r) => format.money(r.taxableNet, r.currency), numeric: true },
          { header: "Tax amount", cell: (r) => format.money(r.vat, r.currency), numeric: true },
        ], report.rows)));
  } catch (problem) {
    section.append(errorBox(problem));
  }
  return section;
}

async function ageing(api: Api, by: "driver" | "partner", title: string): Promise<HTMLElement> {
  const section = h("section", { "aria-labelledby": `ageing-${by}` }, h("h3", { id: `ageing-${by}` }, title));
  try {
    const report = await api.get<AgeingReport>(`/api/receivables/ageing?by=${by}`);
    section.append(h("p", {}, `Open on ${report.asOf}, by days past due. `,
      downloadLink("csv", `${title} as CSV`, () => api.download(`/api/receivables/ageing?by=${by}&format=csv`, `ageing-${by}-${report.asOf}.csv`))));
    // Drivers are many: their table scrolls in its own box rather than making the page endless.
    section.append(h("div", by === "driver" ? { class: "scroll-box", tabindex: 0, role: "region", "aria-label": `${title}: open items` } : {}, table<AgeingRow>(`${title}, open on ${report.asOf}`, [
      { header: by === "driver" ? "Driver" : "Partner", cell: (r) => r.key },
      { header: "Invoices", cell: (r) => format.count(r.invoices), numeric: true },
      ...buckets.map(([bucket, label]) => ({
        header: label, numeric: true,
        cell: (r: AgeingRow) => figure("ageing", r[bucket] as number, format.money(r[bucket] as number, r.currency),
          { "data-bucket": bucket, "data-by": by, "data-key": r.key, "data-currency": r.currency }),
      })),
    ], report.rows, (r) => ({ "data-ageing": `${by}/${r.key}/${r.currency}` }))));
  } catch (problem) {
    section.append(errorBox(problem));
  }
  return section;
}

export const page: Page = {
  id: "money",
  title: "Money",
  routes: ["/money"],
  inMenu: true,
  async render(root, context) {
    const { api } = context;
    root.append(h("h1", {}, "Money"));
    const period = await periodOf(api, context.query, context.me.endpoints);
    root.setAttribute("data-from", period.from);
    root.setAttribute("data-through", period.through);
    root.append(periodForm(period, context, "/money"));
    // The four reads are independent: ask them together, show them in reading order.
    const sections = await Promise.all([
      vat(api, period.from, period.through),
      invoices(api, context),
      cdrs(api, context),
      Promise.all([ageing(api, "partner", "Partners"), ageing(api, "driver", "Drivers")]).then((tables) =>
        h("section", { "aria-labelledby": "ageing-heading" }, h("h2", { id: "ageing-heading" }, "Receivables ageing"), ...tables)),
    ]);
    root.append(...sections);
  },
};
