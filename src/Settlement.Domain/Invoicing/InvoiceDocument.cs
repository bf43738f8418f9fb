using NodaTime;

namespace Settlement.Domain.Invoicing;

public enum InvoiceKind { SessionInvoice, PartnerInvoice, CreditNote }

/// <summary>
/// Standard: VAT at the jurisdiction's rate (which may be 0). ReverseCharge: cross-border EU B2B, the
/// buyer accounts for the VAT, so none is charged.
/// </summary>
public enum VatTreatment { Standard, ReverseCharge }

public sealed record InvoiceParty(string Name, string? Address, string? CountryCode, string? VatId);

/// <summary>
/// One line. Amounts are in the document's currency, whole minor units; a credit note's are negative.
/// <paramref name="Unit"/> is "kWh", "h" or "session". <paramref name="UnitPrice"/> is excl. VAT and
/// may carry more decimals than the currency.
/// </summary>
public sealed record InvoiceLine(
    int LineNo,
    string Description,
    string? SessionId,
    string? SiteId,
    LocalDate SupplyDate,
    decimal Quantity,
    string Unit,
    decimal UnitPrice,
    string Jurisdiction,
    decimal VatPercent,
    VatTreatment Treatment,
    decimal NetAmount,
    decimal VatAmount,
    decimal GrossAmount);

/// <summary>VAT per jurisdiction, rate and treatment: computed once on the net sum, then spread over the lines.</summary>
public sealed record VatBreakdown(string Jurisdiction, decimal VatPercent, VatTreatment Treatment, decimal NetAmount, decimal VatAmount);

/// <summary>An event the document was derived from: its stream, its version in that stream, and its stored type.</summary>
public sealed record SourceEvent(string StreamId, long Version, string EventType);

/// <summary>
/// An invoice or credit note as issued. <paramref name="Number"/> is "{Series}-{SequenceNumber:D6}",
/// gapless per issuer and series. Totals equal the sums of the lines exactly.
/// <paramref name="CommissionAmount"/> is what a roaming partner keeps of a partner invoice (negative on
/// its credit note); null otherwise.
/// </summary>
public sealed record InvoiceDocument(
    string Number,
    string IssuerId,
    string Series,
    long SequenceNumber,
    InvoiceKind Kind,
    LocalDate IssueDate,
    Instant IssuedAt,
    string Currency,
    InvoiceParty Seller,
    InvoiceParty Buyer,
    string? PartnerId,
    LocalDate? PeriodFrom,
    LocalDate? PeriodThrough,
    string? CreditsInvoice,
    string? Reason,
    IReadOnlyList<InvoiceLine> Lines,
    IReadOnlyList<VatBreakdown> Vat,
    decimal TotalNet,
    decimal TotalVat,
    decimal TotalGross,
    decimal? CommissionPercent,
    decimal? CommissionAmount,
    IReadOnlyList<string> Notes,
    IReadOnlyList<SourceEvent> Sources);
