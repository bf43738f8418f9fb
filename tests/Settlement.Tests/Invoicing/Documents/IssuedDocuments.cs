using NodaTime;
using Settlement.Domain.Invoicing;

namespace Settlement.Tests.Invoicing.Documents;

/// <summary>
/// Issued documents written out by hand, the way the invoicing side issues them: amounts in whole
/// minor units, VAT computed per rate on the net sum and spread over the lines, totals the sums of
/// the lines, credit notes the negated lines of what they credit.
/// </summary>
public static class IssuedDocuments
{
    public static readonly InvoiceParty GermanCpo = new("Voltstrom GmbH", "Friedrichstraße 10, 10117 Berlin", "DE", "DE123456789");
    public static readonly InvoiceParty JapaneseCpo = new("Denki Charge K.K.", "1-1 Marunouchi, Chiyoda-ku, Tokyo 100-0005", "JP", "T1234567890123");

    /// <summary>A driver's session in Berlin: energy, charging time, parking and a session fee at 19%.</summary>
    public static InvoiceDocument GermanSessionInvoice() => new(
        Number: "SES-000042",
        IssuerId: "voltstrom",
        Series: "SES",
        SequenceNumber: 42,
        Kind: InvoiceKind.SessionInvoice,
        IssueDate: new LocalDate(2026, 11, 21),
        IssuedAt: Instant.FromUtc(2026, 11, 21, 7, 30),
        Currency: "EUR",
        Seller: GermanCpo,
        Buyer: new InvoiceParty("Jana Dvořák", "Karl-Marx-Allee 1, 10178 Berlin", "DE", null),
        PartnerId: null,
        PeriodFrom: null,
        PeriodThrough: null,
        CreditsInvoice: null,
        Reason: null,
        Lines:
        [
            Line(1, "Energy", "S-1001", "DE-BER-01", 22.5m, "kWh", 0.42m, "DE", 19m, VatTreatment.Standard, 9.45m, 1.80m),
            Line(2, "Charging time", "S-1001", "DE-BER-01", 1.5m, "h", 1.20m, "DE", 19m, VatTreatment.Standard, 1.80m, 0.34m),
            Line(3, "Parking after charging", "S-1001", "DE-BER-01", 0.5m, "h", 6.00m, "DE", 19m, VatTreatment.Standard, 3.00m, 0.57m),
            Line(4, "Session fee", "S-1001", "DE-BER-01", 1m, "session", 0.42m, "DE", 19m, VatTreatment.Standard, 0.42m, 0.08m),
        ],
        Vat: [new VatBreakdown("DE", 19m, VatTreatment.Standard, 14.67m, 2.79m)],
        TotalNet: 14.67m,
        TotalVat: 2.79m,
        TotalGross: 17.46m,
        CommissionPercent: null,
        CommissionAmount: null,
        Notes: ["Paid by card at the charger."],
        Sources:
        [
            new SourceEvent("session:S-1001", 1, "session_started_v1"),
            new SourceEvent("session:S-1001", 9, "session_stopped_v1"),
            new SourceEvent("session:S-1001", 10, "session_rated_v1"),
            new SourceEvent("taxrates:DE", 1, "tax_rate_set_v1"),
        ]);

    /// <summary>A session in Tokyo: yen have no minor unit, the unit price still has a fraction.</summary>
    public static InvoiceDocument JapaneseSessionInvoice() => new(
        Number: "JP-000007",
        IssuerId: "denki",
        Series: "JP",
        SequenceNumber: 7,
        Kind: InvoiceKind.SessionInvoice,
        IssueDate: new LocalDate(2026, 11, 25),
        IssuedAt: Instant.FromUtc(2026, 11, 24, 23, 5),
        Currency: "JPY",
        Seller: JapaneseCpo,
        Buyer: new InvoiceParty("Kenji Sato", null, "JP", null),
        PartnerId: null,
        PeriodFrom: null,
        PeriodThrough: null,
        CreditsInvoice: null,
        Reason: null,
        Lines:
        [
            Line(1, "Energy", "S-2001", "JP-TYO-03", 28m, "kWh", 45.5m, "JP", 10m, VatTreatment.Standard, 1274m, 127m),
            Line(2, "Session fee", "S-2001", "JP-TYO-03", 1m, "session", 110m, "JP", 10m, VatTreatment.Standard, 110m, 11m),
        ],
        Vat: [new VatBreakdown("JP", 10m, VatTreatment.Standard, 1384m, 138m)],
        TotalNet: 1384m,
        TotalVat: 138m,
        TotalGross: 1522m,
        CommissionPercent: null,
        CommissionAmount: null,
        Notes: [],
        Sources:
        [
            new SourceEvent("session:S-2001", 1, "session_started_v1"),
            new SourceEvent("session:S-2001", 6, "session_rated_v1"),
        ]);

    /// <summary>
    /// A month of a Dutch partner's drivers at German and Austrian sites: German VAT on the German
    /// sites, reverse charge on the Austrian one, and the partner keeps 10% of the net.
    /// </summary>
    public static InvoiceDocument PartnerInvoice() => new(
        Number: "PTN-000003",
        IssuerId: "voltstrom",
        Series: "PTN",
        SequenceNumber: 3,
        Kind: InvoiceKind.PartnerInvoice,
        IssueDate: new LocalDate(2026, 12, 1),
        IssuedAt: Instant.FromUtc(2026, 12, 1, 6, 0),
        Currency: "EUR",
        Seller: GermanCpo,
        Buyer: new InvoiceParty("EV Partner B.V.", "Stationsplein 5, 3511 ED Utrecht", "NL", "NL123456789B01"),
        PartnerId: "NL-EVP",
        PeriodFrom: new LocalDate(2026, 11, 1),
        PeriodThrough: new LocalDate(2026, 11, 30),
        CreditsInvoice: null,
        Reason: null,
        Lines:
        [
            Line(1, "Charging at DE-BER-01, 6 sessions", null, "DE-BER-01", 120.5m, "kWh", 0.40m, "DE", 19m, VatTreatment.Standard, 48.20m, 9.16m),
            Line(2, "Charging at DE-HAM-02, 4 sessions", null, "DE-HAM-02", 80m, "kWh", 0.40m, "DE", 19m, VatTreatment.Standard, 32.00m, 6.08m),
            Line(3, "Charging at AT-VIE-01, 3 sessions", null, "AT-VIE-01", 64m, "kWh", 0.45m, "AT", 0m, VatTreatment.ReverseCharge, 28.80m, 0m),
        ],
        Vat:
        [
            new VatBreakdown("DE", 19m, VatTreatment.Standard, 80.20m, 15.24m),
            new VatBreakdown("AT", 0m, VatTreatment.ReverseCharge, 28.80m, 0m),
        ],
        TotalNet: 109.00m,
        TotalVat: 15.24m,
        TotalGross: 124.24m,
        CommissionPercent: 10m,
        CommissionAmount: 10.90m,
        Notes:
        [
            "Reverse charge: the recipient accounts for the VAT on the AT supplies (Art. 196 Directive 2006/112/EC).",
            "Commission retained by the partner under its roaming agreement: 10% of the net total, 10.90 EUR; amount due 113.34 EUR.",
        ],
        Sources:
        [
            new SourceEvent("partner:NL-EVP", 2, "roaming_partner_registered_v1"),
            new SourceEvent("session:S-1101", 8, "roaming_session_recorded_v1"),
            new SourceEvent("session:S-1107", 7, "roaming_session_recorded_v1"),
            new SourceEvent("session:S-1112", 9, "roaming_session_recorded_v1"),
            new SourceEvent("site:AT-VIE-01", 2, "site_jurisdiction_resolved_v1"),
        ]);

    /// <summary>
    /// The full credit note of <paramref name="invoice"/>: every amount and quantity negated, the
    /// commission too, derived from the invoice's sources and the invoice itself.
    /// </summary>
    public static InvoiceDocument CreditNoteFor(InvoiceDocument invoice, long sequenceNumber, LocalDate issueDate, string reason) => invoice with
    {
        Number = $"CN-{sequenceNumber:D6}",
        Series = "CN",
        SequenceNumber = sequenceNumber,
        Kind = InvoiceKind.CreditNote,
        IssueDate = issueDate,
        IssuedAt = issueDate.AtMidnight().InUtc().ToInstant() + Duration.FromHours(9),
        CreditsInvoice = invoice.Number,
        Reason = reason,
        Lines = invoice.Lines.Select(l => l with
        {
            Quantity = -l.Quantity,
            NetAmount = -l.NetAmount,
            VatAmount = -l.VatAmount,
            GrossAmount = -l.GrossAmount,
        }).ToList(),
        Vat = invoice.Vat.Select(v => v with { NetAmount = -v.NetAmount, VatAmount = -v.VatAmount }).ToList(),
        TotalNet = -invoice.TotalNet,
        TotalVat = -invoice.TotalVat,
        TotalGross = -invoice.TotalGross,
        CommissionAmount = -invoice.CommissionAmount,
        Sources = [.. invoice.Sources, new SourceEvent($"invoices:{invoice.IssuerId}/{invoice.Series}", invoice.SequenceNumber, "invoice_issued_v1")],
    };

    /// <summary>The credit note of the German session invoice, issued after the driver reported a fault.</summary>
    public static InvoiceDocument GermanCreditNote() =>
        CreditNoteFor(GermanSessionInvoice(), 5, new LocalDate(2026, 11, 28), "Charger fault: the session was billed twice");

    private static InvoiceLine Line(
        int lineNo, string description, string? sessionId, string siteId, decimal quantity, string unit, decimal unitPrice,
        string jurisdiction, decimal vatPercent, VatTreatment treatment, decimal net, decimal vat) =>
        new(lineNo, description, sessionId, siteId, new LocalDate(2026, 11, 20), quantity, unit, unitPrice,
            jurisdiction, vatPercent, treatment, net, vat, net + vat);
}
