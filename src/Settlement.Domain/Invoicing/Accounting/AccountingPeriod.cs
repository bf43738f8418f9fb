using NodaTime;

namespace Settlement.Domain.Invoicing.Accounting;

/// <summary>Which documents a period's books and returns take, and in which order.</summary>
internal static class AccountingPeriod
{
    /// <summary>
    /// The documents issued in [<paramref name="from"/>, <paramref name="through"/>], both inclusive, by
    /// issue date and then number. The issue date, not the supply date, decides the period for the journal
    /// and the VAT report alike, so both always cover the same documents. A jurisdiction where VAT falls
    /// due on supply rather than on invoicing would need its own rule here.
    /// </summary>
    public static IReadOnlyList<InvoiceDocument> DocumentsIssued(IEnumerable<InvoiceDocument> documents, LocalDate from, LocalDate through)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (through < from)
            throw new ArgumentException($"the period ends ({through:yyyy-MM-dd}) before it starts ({from:yyyy-MM-dd})", nameof(through));

        return documents
            .Where(d => d.IssueDate >= from && d.IssueDate <= through)
            .OrderBy(d => d.IssueDate)
            .ThenBy(d => d.Number, StringComparer.Ordinal)
            .ToList();
    }
}
