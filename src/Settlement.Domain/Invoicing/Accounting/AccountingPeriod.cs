using NodaTime;

namespace Settlement.Domain.Invoicing.Accounting;

/// <summary>
/// What decides a document's period. TaxPoint (the default): each line's tax point, when VAT became chargeable, so
/// October's supplies billed in December are October's. IssueDate: the document's issue date, as the books of an
/// issuer taxed on invoicing would have it.
/// </summary>
public enum ReportingBasis { TaxPoint, IssueDate }

/// <summary>How far the ledger was read for a report: every document issued up to this event position is in it.</summary>
public sealed record LedgerPosition(long Sequence, Instant ReadAt);

/// <summary>
/// The lines of a document that fall in a period, dated by the latest of them. <paramref name="Whole"/>: all its lines
/// are in; <paramref name="Completes"/>: the document's last tax point is in (where its commission posts).
/// </summary>
public sealed record DocumentPart(InvoiceDocument Document, LocalDate Date, IReadOnlyList<InvoiceLine> Lines, bool Whole, bool Completes);

/// <summary>Which documents, and which of their lines, a period's books and returns take, and in which order.</summary>
internal static class AccountingPeriod
{
    /// <summary>
    /// The parts of the documents that fall in [<paramref name="from"/>, <paramref name="through"/>], both inclusive, by
    /// date and then number. By tax point, a document whose lines' tax points lie in several periods is split between
    /// them, line by line (a quarterly partner invoice in a monthly return); by issue date it is taken whole. The journal
    /// and the VAT report both read through here, so they always cover the same lines.
    /// </summary>
    public static IReadOnlyList<DocumentPart> PartsIn(IEnumerable<InvoiceDocument> documents, LocalDate from, LocalDate through, ReportingBasis basis)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (through < from)
            throw new ArgumentException($"the period ends ({through:yyyy-MM-dd}) before it starts ({from:yyyy-MM-dd})", nameof(through));

        return documents
            .Select(d => PartOf(d, from, through, basis))
            .OfType<DocumentPart>()
            .OrderBy(p => p.Date)
            .ThenBy(p => p.Document.Number, StringComparer.Ordinal)
            .ToList();
    }

    private static DocumentPart? PartOf(InvoiceDocument document, LocalDate from, LocalDate through, ReportingBasis basis)
    {
        if (basis == ReportingBasis.IssueDate)
            return document.IssueDate >= from && document.IssueDate <= through
                ? new DocumentPart(document, document.IssueDate, document.Lines, Whole: true, Completes: true)
                : null;
        var lines = document.Lines.Where(l => l.TaxPointOrSupplyDate() >= from && l.TaxPointOrSupplyDate() <= through).ToList();
        if (lines.Count == 0) return null;
        var last = document.Lines.Max(l => l.TaxPointOrSupplyDate());
        var date = lines.Max(l => l.TaxPointOrSupplyDate());
        return new DocumentPart(document, date, lines, Whole: lines.Count == document.Lines.Count, Completes: date == last);
    }
}
