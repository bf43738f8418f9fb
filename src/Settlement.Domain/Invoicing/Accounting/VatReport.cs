using NodaTime;

namespace Settlement.Domain.Invoicing.Accounting;

/// <summary>
/// The VAT of one jurisdiction, currency, rate and treatment over the period. Credit notes count
/// separately and reduce <paramref name="TaxableNet"/> and <paramref name="Vat"/>, so an invoice and
/// its full credit note net to zero. US sales tax has a row per <paramref name="Level"/> and
/// <paramref name="Authority"/> too, since each authority is filed to separately.
/// </summary>
public sealed record VatReportRow(
    string Jurisdiction,
    string Currency,
    decimal VatPercent,
    VatTreatment Treatment,
    decimal TaxableNet,
    decimal Vat,
    int Invoices,
    int CreditNotes,
    TaxKind TaxKind = TaxKind.Vat,
    TaxLevel? Level = null,
    string? Authority = null);

/// <summary>
/// All rates and treatments of a jurisdiction in one currency. A document with several rates there
/// counts once.
/// </summary>
public sealed record VatJurisdictionTotal(string Jurisdiction, string Currency, decimal TaxableNet, decimal Vat, int Invoices, int CreditNotes);

/// <summary>The documents of one issuer's series that the report covers, by sequence number.</summary>
public sealed record DocumentSeriesRange(string IssuerId, string Series, string FirstNumber, string LastNumber, int Count);

/// <summary>The versions of one event stream the covered documents were derived from.</summary>
public sealed record SourceStreamRange(string StreamId, long FirstVersion, long LastVersion);

/// <summary>
/// What a period's VAT return is filled in from, and which documents and events it rests on so an
/// auditor can trace every figure back. <paramref name="Basis"/> says how documents were assigned to the period;
/// <paramref name="AsOf"/>, where known, how far the ledger was read: a period reported before all its supplies are
/// billed shows what was billed by then, and reported again later, what was billed since too.
/// </summary>
public sealed record VatReport(
    LocalDate From,
    LocalDate Through,
    IReadOnlyList<VatReportRow> Rows,
    IReadOnlyList<VatJurisdictionTotal> Totals,
    IReadOnlyList<DocumentSeriesRange> Documents,
    IReadOnlyList<SourceStreamRange> Sources,
    ReportingBasis Basis = ReportingBasis.TaxPoint,
    LedgerPosition? AsOf = null)
{
    /// <summary>
    /// Sums the VAT of the documents' lines in [<paramref name="from"/>, <paramref name="through"/>] by
    /// <paramref name="basis"/>. A document wholly in the period counts by its VAT breakdown: it is where the document
    /// computed its VAT (once per rate on the net sum), so the report shows exactly the VAT that was invoiced. A
    /// document split between periods counts the lines in this one, whose VAT was spread from that breakdown, so the
    /// parts of every period add up to it exactly.
    /// </summary>
    public static VatReport For(
        IEnumerable<InvoiceDocument> documents, LocalDate from, LocalDate through, ReportingBasis basis = ReportingBasis.TaxPoint, LedgerPosition? asOf = null)
    {
        var parts = AccountingPeriod.PartsIn(documents, from, through, basis);
        var covered = parts.Select(p => p.Document).ToList();
        var amounts = parts.SelectMany(p => BreakdownOf(p).Select(v => new VatAmount(p.Document, v))).ToList();

        var rows = amounts
            .GroupBy(a => a.Key)
            .Select(g => new VatReportRow(
                g.Key.Jurisdiction, g.Key.Currency, g.Key.VatPercent, g.Key.Treatment,
                g.Sum(a => a.Breakdown.NetAmount), g.Sum(a => a.Breakdown.VatAmount),
                Count(g, credited: false), Count(g, credited: true), g.Key.TaxKind, g.Key.Level, g.Key.Authority))
            .OrderBy(r => r.Jurisdiction, StringComparer.Ordinal)
            .ThenBy(r => r.Currency, StringComparer.Ordinal)
            .ThenBy(r => r.VatPercent)
            .ThenBy(r => r.Treatment)
            .ThenBy(r => r.Level)
            .ThenBy(r => r.Authority, StringComparer.Ordinal)
            .ToList();

        var totals = amounts
            .GroupBy(a => (a.Breakdown.Jurisdiction, a.Document.Currency))
            .Select(g => new VatJurisdictionTotal(
                g.Key.Jurisdiction, g.Key.Currency,
                g.Sum(a => a.Breakdown.TaxKind == TaxKind.Vat ? a.Breakdown.NetAmount : 0m) + SalesTaxableNet(g, g.Key.Jurisdiction),
                g.Sum(a => a.Breakdown.VatAmount),
                Count(g, credited: false), Count(g, credited: true)))
            .OrderBy(t => t.Jurisdiction, StringComparer.Ordinal)
            .ThenBy(t => t.Currency, StringComparer.Ordinal)
            .ToList();

        return new VatReport(from, through, rows, totals, SeriesOf(covered), SourcesOf(covered), basis, asOf);
    }

    /// <summary>A report row's identity: what a VAT return declares separately. The one place rows are grouped by.</summary>
    private sealed record RowKey(
        string Jurisdiction, string Currency, decimal VatPercent, VatTreatment Treatment, TaxKind TaxKind, TaxLevel? Level, string? Authority);

    private sealed record VatAmount(InvoiceDocument Document, VatBreakdown Breakdown)
    {
        public RowKey Key => new(Breakdown.Jurisdiction, Document.Currency, Breakdown.VatPercent, Breakdown.Treatment,
            Breakdown.TaxKind, Breakdown.Level, Breakdown.Authority);
    }

    /// <summary>The part's tax as its document states it: the document's breakdown when whole, its lines' otherwise.</summary>
    private static IEnumerable<VatBreakdown> BreakdownOf(DocumentPart part) =>
        part.Whole ? part.Document.Vat : InvoiceDrafting.TaxBreakdown(part.Lines);

    /// <summary>Every level of US sales tax is charged on the same net: it counts once, from the lines.</summary>
    private static decimal SalesTaxableNet(IEnumerable<VatAmount> amounts, string jurisdiction) =>
        amounts.Where(a => a.Breakdown.TaxKind == TaxKind.SalesTax).Select(a => a.Document).Distinct()
            .Sum(d => d.Lines.Where(l => l.TaxKind == TaxKind.SalesTax && l.Jurisdiction == jurisdiction).Sum(l => l.NetAmount));

    private static int Count(IEnumerable<VatAmount> amounts, bool credited) =>
        amounts
            .Where(a => (a.Document.Kind == InvoiceKind.CreditNote) == credited)
            .Select(a => a.Document.Number)
            .Distinct(StringComparer.Ordinal)
            .Count();

    private static List<DocumentSeriesRange> SeriesOf(IEnumerable<InvoiceDocument> documents) =>
        documents
            .GroupBy(d => (d.IssuerId, d.Series))
            .Select(g =>
            {
                var bySequence = g.OrderBy(d => d.SequenceNumber).ToList();
                return new DocumentSeriesRange(g.Key.IssuerId, g.Key.Series, bySequence[0].Number, bySequence[^1].Number, bySequence.Count);
            })
            .OrderBy(s => s.IssuerId, StringComparer.Ordinal)
            .ThenBy(s => s.Series, StringComparer.Ordinal)
            .ToList();

    private static List<SourceStreamRange> SourcesOf(IEnumerable<InvoiceDocument> documents) =>
        documents
            .SelectMany(d => d.Sources)
            .GroupBy(s => s.StreamId, StringComparer.Ordinal)
            .Select(g => new SourceStreamRange(g.Key, g.Min(s => s.Version), g.Max(s => s.Version)))
            .OrderBy(s => s.StreamId, StringComparer.Ordinal)
            .ToList();
}
