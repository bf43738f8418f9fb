using System.Globalization;
using NodaTime;
using Settlement.Domain.Invoicing;

namespace Settlement.Documents.EInvoices;

/// <summary>EN 16931 VAT category codes (UNTDID 5305) our documents use.</summary>
public enum VatCategory
{
    /// <summary>S: standard rate, VAT charged.</summary>
    Standard,
    /// <summary>AE: reverse charge, the buyer accounts for the VAT.</summary>
    ReverseCharge,
    /// <summary>Z: a rate of zero per cent.</summary>
    ZeroRated,
}

/// <summary>An EN 16931 party: BG-4 seller or BG-7 buyer.</summary>
public sealed record En16931Party(string Name, string? AddressLine, string CountryCode, string? VatId);

/// <summary>BG-25, signed as the e-invoice states it (a credit note's lines are positive).</summary>
public sealed record En16931Line(
    string Id, string Name, string? Description, decimal Quantity, string UnitCode, decimal NetPrice, decimal NetAmount,
    VatCategory Category, decimal VatPercent, LocalDate PeriodStart, LocalDate PeriodEnd);

/// <summary>BG-23: one per VAT category and rate.</summary>
public sealed record En16931VatBreakdown(VatCategory Category, decimal VatPercent, decimal TaxableAmount, decimal TaxAmount, string? ExemptionReason, string? ExemptionReasonCode);

/// <summary>
/// An issued <see cref="InvoiceDocument"/> in the terms of the EN 16931 semantic model, which both syntaxes (UBL 2.1 and
/// CII D16B) render: what is mapped how is decided once, here, so the two never disagree.
/// A credit note (type 381) states positive amounts that the buyer is credited, so the document's negative amounts are
/// negated; an invoice keeps its signs (a partner invoice's credit CDRs stay negative lines).
/// The partner's commission is not an allowance: it is the partner's own charge, set off against the amount due, so it
/// leaves the VAT base alone. It is stated as BT-113 (paid amount, the part settled by set-off) with a note saying so,
/// and BT-115 is what the partner transfers, exactly the PDF's "Amount due" (BR-CO-16: BT-115 = BT-112 − BT-113).
/// </summary>
public sealed record En16931Invoice(
    string Number,
    string TypeCode,
    LocalDate IssueDate,
    string Currency,
    int MinorUnits,
    string BuyerReference,
    IReadOnlyList<string> Notes,
    LocalDate? TaxPointDate,
    LocalDate? PeriodStart,
    LocalDate? PeriodEnd,
    LocalDate? DueDate,
    string PaymentTerms,
    PaymentAccount? PayTo,
    string? PaymentReference,
    string? PrecedingInvoice,
    En16931Party Seller,
    En16931Party Buyer,
    IReadOnlyList<En16931Line> Lines,
    IReadOnlyList<En16931VatBreakdown> Vat,
    decimal LineTotal,
    decimal TaxExclusiveTotal,
    decimal TaxTotal,
    decimal TaxInclusiveTotal,
    decimal PrepaidAmount,
    decimal PayableAmount)
{
    public const string Specification = "urn:cen.eu:en16931:2017";
    public const string PeppolCustomization = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
    public const string PeppolProfile = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

    public const string ReverseChargeReason = "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC)";
    public const string ReverseChargeReasonCode = "VATEX-EU-AE";

    /// <summary>Printed when an older document recorded no terms: EN 16931 wants a due date or terms whenever something is due (BR-CO-25).</summary>
    public const string DueOnReceipt = "Due on receipt.";

    public bool IsCreditNote => TypeCode == "381";

    /// <summary>
    /// Why the document cannot be an EN 16931 e-invoice, or null when it can. The norm is European VAT: US sales tax is
    /// not VAT and has no category in it; amounts have at most two decimals (BR-DEC-*), so currencies with three do not fit.
    /// </summary>
    public static string? Refusal(InvoiceDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Lines.Any(l => l.TaxKind == TaxKind.SalesTax || IsUs(l.Jurisdiction))
            || document.Vat.Any(v => v.TaxKind == TaxKind.SalesTax || IsUs(v.Jurisdiction)))
            return $"{document.Number} charges US sales tax, which is not VAT: EN 16931 e-invoices (UBL, CII, Factur-X) are for European VAT invoices; use format pdf, json or csv.";
        if (Settlement.Domain.Monetary.Currency.FromCode(document.Currency).MinorUnits > 2)
            return $"{document.Number} is in {document.Currency}, whose amounts have more than two decimals, which EN 16931 does not allow (BR-DEC); use format pdf, json or csv.";
        if (document.Seller.CountryCode is null)
            return $"{document.Number} has no seller country code, which EN 16931 requires (BR-09); register the issuer with its countryCode.";
        if (document.Seller.VatId is null)
            return $"{document.Number} has no seller VAT id, which EN 16931 requires to charge VAT (BR-CO-26, BR-S-02); register the issuer with its vatId.";
        return null;
    }

    private static bool IsUs(string jurisdiction) => jurisdiction == "US" || jurisdiction.StartsWith("US-", StringComparison.Ordinal);

    /// <exception cref="InvalidOperationException">The document is not an EN 16931 document (see <see cref="Refusal"/>).</exception>
    public static En16931Invoice Of(InvoiceDocument document)
    {
        if (Refusal(document) is { } refusal) throw new InvalidOperationException(refusal);
        var creditNote = document.Kind == InvoiceKind.CreditNote;
        var sign = creditNote ? -1m : 1m;
        var minorUnits = Settlement.Domain.Monetary.Currency.FromCode(document.Currency).MinorUnits;

        var lines = document.Lines.Select(line => LineOf(line, sign)).ToList();
        var vat = document.Vat
            .GroupBy(v => (Category: CategoryOf(v.Treatment, v.VatPercent), v.VatPercent))
            .OrderBy(g => g.Key.Category).ThenByDescending(g => g.Key.VatPercent)
            .Select(g => new En16931VatBreakdown(g.Key.Category, g.Key.VatPercent, sign * g.Sum(v => v.NetAmount), sign * g.Sum(v => v.VatAmount),
                g.Key.Category == VatCategory.ReverseCharge ? ReverseChargeReason : null,
                g.Key.Category == VatCategory.ReverseCharge ? ReverseChargeReasonCode : null))
            .ToList();

        var gross = sign * document.TotalGross;
        var prepaid = sign * (document.CommissionAmount ?? 0m);
        var notes = new List<string>();
        if (document.Reason is { } reason) notes.Add($"Reason: {reason}");
        notes.AddRange(document.Notes);
        if (document.CommissionAmount is not null)
            notes.Add("The paid amount is the commission the partner retains under its roaming agreement, set off against this document; the amount due is what remains.");

        // BT-7 where the document has one tax point; the invoicing period (BG-14) always where it states one, else the
        // span of its lines' tax points, so the buyer sees when the supplies were made.
        var (periodStart, periodEnd) = document.PeriodFrom is { } from && document.PeriodThrough is { } through
            ? (from, through)
            : document.TaxPoint is null && document.Lines.Count > 0
                ? (document.Lines.Min(l => l.TaxPointOrSupplyDate()), document.Lines.Max(l => l.TaxPointOrSupplyDate()))
                : ((LocalDate?)null, (LocalDate?)null);

        var placeOfSupply = document.Lines.Select(l => l.Jurisdiction.Split('-')[0]).FirstOrDefault();
        return new En16931Invoice(
            Number: document.Number,
            TypeCode: creditNote ? "381" : "380",
            IssueDate: document.IssueDate,
            Currency: document.Currency,
            MinorUnits: minorUnits,
            BuyerReference: BuyerReferenceOf(document),
            Notes: notes,
            TaxPointDate: document.TaxPoint,
            PeriodStart: periodStart,
            PeriodEnd: periodEnd,
            DueDate: document.DueDate,
            PaymentTerms: document.PaymentTerms ?? DueOnReceipt,
            PayTo: document.PayTo,
            PaymentReference: document.PaymentReference,
            PrecedingInvoice: document.CreditsInvoice,
            Seller: new En16931Party(document.Seller.Name, document.Seller.Address, document.Seller.CountryCode!, document.Seller.VatId),
            // A walk-in driver may have given no address: the place of supply is then the country the buyer was in.
            Buyer: new En16931Party(document.Buyer.Name, document.Buyer.Address, document.Buyer.CountryCode ?? placeOfSupply ?? document.Seller.CountryCode!, document.Buyer.VatId),
            Lines: lines,
            Vat: vat,
            LineTotal: sign * document.TotalNet,
            TaxExclusiveTotal: sign * document.TotalNet,
            TaxTotal: sign * document.TotalVat,
            TaxInclusiveTotal: gross,
            PrepaidAmount: prepaid,
            PayableAmount: gross - prepaid);
    }

    /// <summary>
    /// BT-10 as the buyer gave it; otherwise what the buyer knows the document by (the roaming partner's own id, the
    /// session a driver charged), since Peppol BIS wants a buyer reference on every invoice (PEPPOL-EN16931-R003).
    /// </summary>
    private static string BuyerReferenceOf(InvoiceDocument document) =>
        document.BuyerReference
        ?? document.PartnerId
        ?? document.Lines.Select(l => l.SessionId).OfType<string>().FirstOrDefault()
        ?? document.Number;

    private static En16931Line LineOf(InvoiceLine line, decimal sign)
    {
        var net = sign * line.NetAmount;
        // EN 16931 prices are never negative (BR-27): a negative line is a negative quantity at the positive price.
        var quantity = Math.Abs(line.Quantity) * (net < 0 ? -1 : 1);
        var start = line.LocalStart?.Date ?? line.SupplyDate;
        var end = line.LocalEnd?.Date ?? line.SupplyDate;
        return new En16931Line(
            line.LineNo.ToString(CultureInfo.InvariantCulture), line.Description, DescriptionOf(line), quantity, UnitCodeOf(line.Unit),
            Math.Abs(line.UnitPrice), net, CategoryOf(line.Treatment, line.VatPercent), line.VatPercent,
            start <= end ? start : end, end);
    }

    /// <summary>BT-154: the session a line bills, where it bills one, in the station's local time.</summary>
    private static string? DescriptionOf(InvoiceLine line)
    {
        var parts = new List<string>();
        if (line.SessionId is { } session) parts.Add($"Session {session}");
        if (line.EvseId is { } evse) parts.Add($"EVSE {evse}");
        else if (line.SiteId is { } site) parts.Add($"site {site}");
        if (line.LocalStart is { } localStart && line.LocalEnd is { } localEnd)
            parts.Add($"{localStart:uuuu-MM-dd HH:mm}–{localEnd:uuuu-MM-dd HH:mm}{(line.TimeZone is { } zone ? $" ({zone})" : "")}");
        if (line.EnergyKwh is { } kwh) parts.Add($"{Plain(kwh)} kWh");
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    /// <summary>UN/ECE Recommendation 20 codes: kilowatt hour, hour, and one (a session, or anything else counted).</summary>
    private static string UnitCodeOf(string unit) => unit switch
    {
        "kWh" => "KWH",
        "h" => "HUR",
        _ => "C62",
    };

    public static VatCategory CategoryOf(VatTreatment treatment, decimal percent) => treatment switch
    {
        VatTreatment.ReverseCharge => VatCategory.ReverseCharge,
        _ when percent == 0m => VatCategory.ZeroRated,
        _ => VatCategory.Standard,
    };

    public static string CodeOf(VatCategory category) => category switch
    {
        VatCategory.Standard => "S",
        VatCategory.ReverseCharge => "AE",
        VatCategory.ZeroRated => "Z",
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, null),
    };

    /// <summary>An amount with exactly the currency's decimals.</summary>
    public string Amount(decimal value) => value.ToString("F" + MinorUnits, CultureInfo.InvariantCulture);

    /// <summary>A quantity, price or rate as recorded, without trailing zeros.</summary>
    public static string Plain(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    public static string IsoDate(LocalDate date) => date.ToString("uuuu-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>UN/CEFACT date format 102, as CII writes dates.</summary>
    public static string Date102(LocalDate date) => date.ToString("uuuuMMdd", CultureInfo.InvariantCulture);
}
