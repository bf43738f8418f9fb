using CsCheck;
using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Monetary;
using Settlement.Tests.Invoicing.Documents;

namespace Settlement.Tests.Invoicing.Accounting;

/// <summary>
/// Issued documents as the invoicing side would issue them, in currencies with 0, 2 and 3 decimals:
/// line VAT rounded to the minor unit, the breakdown and totals the sums of the lines, a partner's
/// commission a rounded share of the net.
/// </summary>
public static class DocumentGen
{
    private static readonly (string Jurisdiction, decimal Percent, VatTreatment Treatment)[] Rates =
    [
        ("DE", 19m, VatTreatment.Standard),
        ("DE", 7m, VatTreatment.Standard),
        ("AT", 20m, VatTreatment.Standard),
        ("AT", 0m, VatTreatment.ReverseCharge),
        ("FR", 0m, VatTreatment.ReverseCharge),
        ("US-CA", 7.25m, VatTreatment.Standard),
        ("NO", 0m, VatTreatment.Standard),
    ];

    private static readonly Gen<(int Rate, long NetMinor)> LineSpec =
        Gen.Select(Gen.Int[0, Rates.Length - 1], Gen.Long[-20_000, 5_000_000]);

    public static readonly Gen<InvoiceDocument> Invoice = Gen.Select(
        Gen.OneOf(Currency.EUR, Currency.JPY, Currency.KWD),
        Gen.Bool,
        LineSpec.Array[1, 6],
        Gen.Int[1, 60],
        Gen.Int[1, 999_999],
        Gen.Int[0, 25],
        (currency, ofPartner, lines, day, sequence, commissionPercent) =>
            Build(currency, ofPartner, lines, new LocalDate(2026, 10, 31).PlusDays(day), sequence, commissionPercent));

    /// <summary>Invoices, and for some of them their full credit note a few days later.</summary>
    public static readonly Gen<List<InvoiceDocument>> InvoicesAndCreditNotes =
        Gen.Select(Invoice, Gen.Bool, Gen.Int[0, 20], (invoice, credited, days) => credited
                ? new[] { invoice, IssuedDocuments.CreditNoteFor(invoice, invoice.SequenceNumber, invoice.IssueDate.PlusDays(days), "Generated") }
                : [invoice])
            .List[0, 12]
            .Select(groups => groups.SelectMany(g => g).ToList());

    private static InvoiceDocument Build(
        Currency currency, bool ofPartner, (int Rate, long NetMinor)[] specs, LocalDate issued, int sequence, int commissionPercent)
    {
        var minorUnit = 1m / (decimal)Math.Pow(10, currency.MinorUnits);
        var lines = specs.Select((spec, i) =>
        {
            var (jurisdiction, percent, treatment) = Rates[spec.Rate];
            var net = spec.NetMinor * minorUnit;
            var vat = decimal.Round(net * percent / 100m, currency.MinorUnits, MidpointRounding.AwayFromZero);
            return new InvoiceLine(i + 1, $"Line {i + 1}", null, null, issued, 1m, "session", net,
                jurisdiction, percent, treatment, net, vat, net + vat);
        }).ToList();
        var breakdown = lines
            .GroupBy(l => (l.Jurisdiction, l.VatPercent, l.Treatment))
            .Select(g => new VatBreakdown(g.Key.Jurisdiction, g.Key.VatPercent, g.Key.Treatment, g.Sum(l => l.NetAmount), g.Sum(l => l.VatAmount)))
            .ToList();
        var (net, vat) = (lines.Sum(l => l.NetAmount), lines.Sum(l => l.VatAmount));
        var series = ofPartner ? "PTN" : "SES";

        return new InvoiceDocument(
            $"{series}-{sequence:D6}", "generated", series, sequence,
            ofPartner ? InvoiceKind.PartnerInvoice : InvoiceKind.SessionInvoice,
            issued, issued.AtMidnight().InUtc().ToInstant(), currency.Code,
            IssuedDocuments.GermanCpo, new InvoiceParty(ofPartner ? "Partner" : "Driver", null, null, null),
            ofPartner ? $"P{sequence % 3}" : null,
            ofPartner ? issued.PlusDays(-30) : null, ofPartner ? issued.PlusDays(-1) : null,
            null, null, lines, breakdown, net, vat, net + vat,
            ofPartner ? commissionPercent : null,
            ofPartner ? decimal.Round(net * commissionPercent / 100m, currency.MinorUnits, MidpointRounding.AwayFromZero) : null,
            [], [new SourceEvent($"session:G-{sequence}", 1 + sequence % 7, "session_rated_v1")]);
    }
}
