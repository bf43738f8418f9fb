using NodaTime;
using static Settlement.Domain.Invoicing.Accounting.ChartOfAccounts;

namespace Settlement.Domain.Invoicing.Accounting;

/// <summary>
/// One side of a posting. Exactly one of <paramref name="Debit"/> and <paramref name="Credit"/> is
/// non-zero and neither is ever negative: a credit note posts to the opposite sides instead.
/// <paramref name="SubAccount"/> is the roaming partner on 1210 and 6100, the jurisdiction on 2200, the jurisdiction
/// and authority on 2210 ("US-CO Denver"), since each US authority is owed its own sales tax.
/// </summary>
public sealed record JournalLine(Account Account, string? SubAccount, decimal Debit, decimal Credit);

/// <summary>
/// The balanced posting of one issued document (or of its lines in the period, see <see cref="DocumentPart"/>), in the
/// document's currency. <paramref name="Date"/> is the date the period was chosen by: the latest tax point of its lines,
/// or the issue date; <paramref name="IssueDate"/> the document's.
/// </summary>
public sealed record JournalEntry(
    LocalDate Date,
    string DocumentNumber,
    InvoiceKind Kind,
    string Currency,
    string Counterparty,
    IReadOnlyList<JournalLine> Lines,
    LocalDate IssueDate)
{
    public decimal TotalDebit => Lines.Sum(l => l.Debit);
    public decimal TotalCredit => Lines.Sum(l => l.Credit);
}

/// <summary>The double-entry journal of the documents of a period, by tax point or by issue date.</summary>
public sealed record Journal(LocalDate From, LocalDate Through, IReadOnlyList<JournalEntry> Entries, ReportingBasis Basis = ReportingBasis.TaxPoint)
{
    /// <summary>
    /// One entry per document in [<paramref name="from"/>, <paramref name="through"/>] (see
    /// <see cref="AccountingPeriod.PartsIn"/>), by date and then number. Amounts are taken from the document as issued,
    /// already in whole minor units, so nothing is rounded here: a document split between periods posts each period
    /// the sums of its lines there, and its commission, whole, in the period of its last tax point.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A document's totals do not add up (gross ≠ net + VAT, or its VAT breakdown ≠ its VAT total), or a
    /// partner document names no partner: either would post an unbalanced or unattributable entry.
    /// </exception>
    public static Journal For(IEnumerable<InvoiceDocument> documents, LocalDate from, LocalDate through, ReportingBasis basis = ReportingBasis.TaxPoint) =>
        new(from, through, AccountingPeriod.PartsIn(documents, from, through, basis).Select(EntryFor).ToList(), basis);

    private sealed record Posting(Account Account, string? SubAccount, decimal SignedAmount);

    private static JournalEntry EntryFor(DocumentPart part)
    {
        var document = part.Document;
        EnsureTotalsAddUp(document);

        // Debits positive, credits negative. A credit note carries negative amounts, so the very same
        // postings land on the opposite sides and reverse the invoice exactly.
        var (receivable, partner) = ReceivableOf(document);
        var postings = new List<Posting>
        {
            new(receivable, partner, part.Whole ? document.TotalGross : part.Lines.Sum(l => l.GrossAmount)),
            new(ChargingRevenue, null, -(part.Whole ? document.TotalNet : part.Lines.Sum(l => l.NetAmount))),
        };
        // A whole document posts its breakdown; a part of one (the lines whose tax point falls in the period) its lines'
        // tax, a sales tax line's by the levels it carries.
        var taxes = part.Whole
            ? document.Vat.Select(v => (Kind: v.TaxKind, v.Jurisdiction, v.Level, v.Authority, Amount: v.VatAmount))
            : part.Lines.SelectMany(l => l.SalesTaxLevels is { } levels
                ? levels.Select(level => (Kind: TaxKind.SalesTax, l.Jurisdiction, Level: (TaxLevel?)level.Level, Authority: (string?)level.Authority, level.Amount))
                : [(Kind: l.TaxKind, l.Jurisdiction, Level: (TaxLevel?)null, Authority: (string?)null, Amount: l.VatAmount)]);
        postings.AddRange(taxes
            .Where(v => v.Kind == TaxKind.Vat)
            .GroupBy(v => v.Jurisdiction, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Posting(VatPayable, g.Key, -g.Sum(v => v.Amount))));
        postings.AddRange(taxes
            .Where(v => v.Kind == TaxKind.SalesTax)
            .GroupBy(v => (v.Jurisdiction, v.Level, v.Authority))
            .OrderBy(g => g.Key.Jurisdiction, StringComparer.Ordinal).ThenBy(g => g.Key.Level).ThenBy(g => g.Key.Authority, StringComparer.Ordinal)
            .Select(g => new Posting(SalesTaxPayable, $"{g.Key.Jurisdiction} {g.Key.Authority}", -g.Sum(v => v.Amount))));
        if (part.Completes && document.CommissionAmount is { } commission)
        {
            // The partner pays the gross less what it keeps: the commission is settled against its receivable.
            postings.Add(new Posting(RoamingCommission, partner, commission));
            postings.Add(new Posting(receivable, partner, -commission));
        }

        var lines = postings
            .Where(p => p.SignedAmount != 0m)
            .Select(p => new JournalLine(p.Account, p.SubAccount, Math.Max(p.SignedAmount, 0m), Math.Max(-p.SignedAmount, 0m)))
            .ToList();
        return new JournalEntry(part.Date, document.Number, document.Kind, document.Currency, document.Buyer.Name, lines, document.IssueDate);
    }

    /// <summary>
    /// Partner invoices and their credit notes are owed by the partner; everything else by a driver.
    /// A credit note is recognised as a partner's by the partner it names, as it does not repeat the kind
    /// of the invoice it credits.
    /// </summary>
    private static (Account Account, string? Partner) ReceivableOf(InvoiceDocument document)
    {
        var ofPartner = document.Kind == InvoiceKind.PartnerInvoice || document.PartnerId is not null || document.CommissionAmount is not null;
        if (!ofPartner) return (DriverReceivables, null);
        return document.PartnerId is { Length: > 0 } partner
            ? (PartnerReceivables, partner)
            : throw new ArgumentException($"{document.Number}: a partner document must name its partner", "documents");
    }

    private static void EnsureTotalsAddUp(InvoiceDocument document)
    {
        if (document.TotalGross != document.TotalNet + document.TotalVat)
            throw new ArgumentException(
                $"{document.Number}: gross {document.TotalGross} is not net {document.TotalNet} plus VAT {document.TotalVat}", "documents");
        var breakdown = document.Vat.Sum(v => v.VatAmount);
        if (breakdown != document.TotalVat)
            throw new ArgumentException(
                $"{document.Number}: the VAT breakdown sums to {breakdown}, the VAT total is {document.TotalVat}", "documents");
    }
}
