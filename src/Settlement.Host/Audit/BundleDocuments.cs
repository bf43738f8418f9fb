using System.Text.Json;
using Settlement.Documents;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.Accounting;
using Settlement.Domain.Roaming;
using Settlement.Ledger;
using Settlement.Ledger.Audit;

namespace Settlement.Host.Audit;

/// <summary>
/// The documents an auditor's bundle derives from its events: each invoice and credit note issued in the
/// period as JSON, CSV and PDF, rendered exactly as GET /api/invoices/{issuer}/{number} serves them; each
/// CDR issued as JSON; and the journal and VAT report of those invoices and credit notes.
/// </summary>
public sealed class BundleDocuments : IDocumentDerivation
{
    private static readonly string InvoiceIssuedType = EventType.StoredNameOf(typeof(InvoiceIssued));
    private static readonly string CreditNoteIssuedType = EventType.StoredNameOf(typeof(CreditNoteIssued));
    private static readonly string CdrIssuedType = EventType.StoredNameOf(typeof(CdrIssued));
    private static readonly string CdrIssuedV2Type = EventType.StoredNameOf(typeof(CdrIssuedV2));

    private readonly List<InvoiceDocument> _invoices = [];
    private readonly List<(string PartnerId, string CdrId, byte[] Json)> _cdrs = [];

    /// <exception cref="JsonException">When a document event's data does not hold its event.</exception>
    public void Observe(ChainedEvent recorded)
    {
        if (recorded.Type == InvoiceIssuedType)
            _invoices.Add(JsonSerializer.Deserialize<InvoiceIssued>(recorded.Data, LedgerJson.Options)!.Invoice);
        else if (recorded.Type == CreditNoteIssuedType)
            _invoices.Add(JsonSerializer.Deserialize<CreditNoteIssued>(recorded.Data, LedgerJson.Options)!.CreditNote);
        else if (recorded.Type == CdrIssuedType)
        {
            var cdr = JsonSerializer.Deserialize<CdrIssued>(recorded.Data, LedgerJson.Options)!;
            _cdrs.Add((cdr.PartnerId, cdr.CdrId, CdrJson.Render(cdr)));
        }
        else if (recorded.Type == CdrIssuedV2Type)
        {
            var cdr = JsonSerializer.Deserialize<CdrIssuedV2>(recorded.Data, LedgerJson.Options)!;
            _cdrs.Add((cdr.PartnerId, cdr.CdrId, CdrJson.Render(cdr)));
        }
    }

    /// <exception cref="ArgumentException">When an invoice's totals do not add up, so it cannot be journalled.</exception>
    public IReadOnlyList<DerivedDocument> Documents()
    {
        var documents = new List<DerivedDocument>();
        foreach (var invoice in _invoices)
        {
            var stem = $"invoices/{FileName(invoice.IssuerId)}/{FileName(invoice.Number)}";
            documents.Add(new DerivedDocument($"{stem}.json", InvoiceJson.Render(invoice)));
            documents.Add(new DerivedDocument($"{stem}.csv", InvoiceCsv.Render(invoice)));
            documents.Add(new DerivedDocument($"{stem}.pdf", InvoicePdf.Render(invoice)));
        }
        foreach (var (partnerId, cdrId, json) in _cdrs)
            documents.Add(new DerivedDocument($"cdrs/{FileName(partnerId)}/{FileName(cdrId)}.json", json));
        if (_invoices.Count > 0)
        {
            // The bundle's own documents, from the first issue date to the last: the journal and VAT report of exactly what it holds.
            var from = _invoices.Min(i => i.IssueDate);
            var through = _invoices.Max(i => i.IssueDate);
            documents.Add(new DerivedDocument("journal.csv", JournalCsv.Render(Journal.For(_invoices, from, through, ReportingBasis.IssueDate))));
            var vat = VatReport.For(_invoices, from, through, ReportingBasis.IssueDate);
            documents.Add(new DerivedDocument("vat.csv", VatReportCsv.Render(vat)));
            documents.Add(new DerivedDocument("vat.json", VatReportJson.Render(vat)));
        }
        return documents;
    }

    /// <summary>Ids come from operators and partners: anything but letters, digits, '.', '-' and '_' becomes '_' so a path never escapes documents/.</summary>
    private static string FileName(string id)
    {
        var safe = string.Concat(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return safe.Trim('.') is { Length: > 0 } ? safe : "_";
    }
}
