using NodaTime;

namespace Settlement.Domain.Invoicing;

public enum InvoiceKind { SessionInvoice, PartnerInvoice, CreditNote }

/// <summary>
/// Standard: VAT at the jurisdiction's rate (which may be 0). ReverseCharge: cross-border EU B2B, the
/// buyer accounts for the VAT, so none is charged.
/// </summary>
public enum VatTreatment { Standard, ReverseCharge }

public sealed record InvoiceParty(string Name, string? Address, string? CountryCode, string? VatId);

/// <summary>What a tax is called where it is charged: VAT in Europe, sales tax in the US (never "VAT" there).</summary>
public enum TaxKind { Vat, SalesTax }

/// <summary>The authorities that levy US sales tax on one supply, each at its own rate.</summary>
public enum TaxLevel { State, County, City, SpecialDistrict }

/// <summary>
/// A line's share of one level's US sales tax. The levels' amounts add up to the line's tax exactly, and each is less
/// than a minor unit from the line's net × the level's rate.
/// </summary>
public sealed record LevelTax(TaxLevel Level, string Authority, decimal RatePercent, decimal Amount);

/// <summary>Where the buyer pays to: a credit transfer to this account, quoting the document's payment reference.</summary>
public sealed record PaymentAccount(string Iban, string? Bic, string AccountHolder);

/// <summary>
/// One line. Amounts are in the document's currency, whole minor units; a credit note's are negative.
/// <paramref name="Unit"/> is "kWh", "h" or "session". <paramref name="UnitPrice"/> is excl. VAT and
/// may carry more decimals than the currency.
/// <paramref name="TaxPoint"/> is the date the tax became chargeable; null in documents issued before it was
/// recorded, where it was the supply date. <paramref name="EvseId"/>, <paramref name="LocalStart"/>,
/// <paramref name="LocalEnd"/> (at the station, in <paramref name="TimeZone"/>) and <paramref name="EnergyKwh"/>
/// describe the session a line bills, where it bills one. <paramref name="SalesTaxLevels"/> splits a US line's sales
/// tax by level and authority (null for VAT), so a document's breakdown and a credit note's are sums of their lines.
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
    decimal GrossAmount,
    LocalDate? TaxPoint = null,
    string? EvseId = null,
    LocalDateTime? LocalStart = null,
    LocalDateTime? LocalEnd = null,
    string? TimeZone = null,
    decimal? EnergyKwh = null,
    TaxKind TaxKind = TaxKind.Vat,
    IReadOnlyList<LevelTax>? SalesTaxLevels = null)
{
    /// <summary>The tax point, for documents issued before it was recorded too (a method, so it is not stored).</summary>
    public LocalDate TaxPointOrSupplyDate() => TaxPoint ?? SupplyDate;
}

/// <summary>
/// Tax per jurisdiction, rate and treatment: computed once on the net sum, then spread over the lines. US sales tax
/// has one entry per <paramref name="Level"/> and <paramref name="Authority"/> ("Denver County"); VAT has neither.
/// </summary>
public sealed record VatBreakdown(
    string Jurisdiction, decimal VatPercent, VatTreatment Treatment, decimal NetAmount, decimal VatAmount,
    TaxKind TaxKind = TaxKind.Vat, TaxLevel? Level = null, string? Authority = null);

/// <summary>An event the document was derived from: its stream, its version in that stream, and its stored type.</summary>
public sealed record SourceEvent(string StreamId, long Version, string EventType);

/// <summary>
/// An invoice or credit note as issued. <paramref name="Number"/> is "{Series}-{SequenceNumber:D6}",
/// gapless per issuer and series. Totals equal the sums of the lines exactly.
/// <paramref name="CommissionAmount"/> is what a roaming partner keeps of a partner invoice (negative on
/// its credit note); null otherwise.
/// <paramref name="TaxPoint"/> is the document's tax point where all its lines share one (null otherwise, and in
/// documents issued before it was recorded). <paramref name="DueDate"/>, <paramref name="PaymentTerms"/> (as printed),
/// <paramref name="PayTo"/> and <paramref name="PaymentReference"/> (what the buyer quotes when paying) say how it
/// is paid; <paramref name="BuyerReference"/> is the buyer's own reference (EN 16931 BT-10), where it gave one.
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
    IReadOnlyList<SourceEvent> Sources,
    LocalDate? TaxPoint = null,
    LocalDate? DueDate = null,
    string? PaymentTerms = null,
    PaymentAccount? PayTo = null,
    string? PaymentReference = null,
    string? BuyerReference = null);
