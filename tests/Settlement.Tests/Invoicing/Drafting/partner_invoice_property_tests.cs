using CsCheck;
using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Monetary;
using Settlement.Domain.Roaming;
using static Settlement.Tests.Invoicing.Drafting.Drafts;

namespace Settlement.Tests.Invoicing.Drafting;

/// <summary>
/// A partner invoice reconciles with its CDRs: for any CDRs (amounts, kWh, credits, VAT rates, stations in
/// different time zones), each line is its CDR to the cent, the totals are the CDRs' sums, and invoicing the
/// period in batches gives the same sums as invoicing it at once.
/// </summary>
public class partner_invoice_property_tests
{
    private static readonly Instant IssuedAt = Drafts.IssuedAt;

    private sealed record CdrCase(int Day, int Minute, long NetMinor, decimal Kwh, bool Credit, int Station);

    private static readonly (string Zone, string Jurisdiction, decimal Rate)[] Stations =
        [("Europe/Berlin", "DE", 19m), ("Europe/Paris", "FR", 20m), ("Europe/Luxembourg", "LU", 17m), ("Europe/Zurich", "CH", 8.1m)];

    private static readonly Gen<CdrCase> Cdrs = Gen.Select(
            Gen.Int[0, 30], Gen.Int[0, 24 * 60 - 1], Gen.Long[0, 50_000], Gen.Int[0, 150_000], Gen.Int[0, 9], Gen.Int[0, Stations.Length - 1])
        .Select(t => new CdrCase(t.Item1, t.Item2, t.Item3, t.Item4 / 1000m, t.Item5 == 0, t.Item6));

    private static readonly Gen<(string Currency, CdrCase[] Cdrs, int SplitDay, int AgreementDay)> Cases = Gen.Select(
        Gen.OneOf(Gen.Const("EUR"), Gen.Const("JPY"), Gen.Const("KWD")), Cdrs.Array[1, 40], Gen.Int[1, 30], Gen.Int[1, 31]);

    private static readonly LocalDate October1 = new(2026, 10, 1);

    [Fact]
    public void lines_equal_their_cdrs_totals_equal_their_sum_and_batching_changes_no_total() =>
        Cases.Sample(c =>
        {
            var currency = Currency.FromCode(c.Currency);
            var cdrs = c.Cdrs.Select((cdr, i) => Cdr(currency, cdr, $"CDR-{i:D3}")).ToList();
            var changed = new RoamingAgreementChanged(PartnerCdrs.PartnerId, new RoamingAgreement(15m, c.Currency, SettlementPeriod.Weekly),
                October1.PlusDays(c.AgreementDay - 1), IssuedAt);
            var partner = InvoicedPartner.From([
                (new RoamingPartnerInvited(PartnerCdrs.PartnerId, "Roam France", "abcdefabcdef", new RoamingAgreement(10m, c.Currency, SettlementPeriod.Monthly), IssuedAt), new SourceEvent("partner:FR-RFR", 1, "roaming_partner_invited_v1")),
                (changed, new SourceEvent("partner:FR-RFR", 2, "roaming_agreement_changed_v1")),
            ])!;

            var atOnce = Invoice(partner, cdrs, October1, October1.PlusDays(30), billed: []);
            var split = October1.PlusDays(c.SplitDay - 1);
            var first = Invoice(partner, [.. cdrs.Where(x => x.SupplyDate <= split)], October1, split, billed: []);
            var second = Invoice(partner, cdrs, split.PlusDays(1), October1.PlusDays(30), billed: [.. first.SelectMany(InvoiceDrafting.CdrsBilledBy).Select(b => b.CdrId)]);

            var lines = atOnce.SelectMany(d => d.Lines.Zip(InvoiceDrafting.CdrsBilledBy(d), (line, billed) => (line, billed.CdrId))).ToList();
            Assert.Equal(cdrs.Select(x => x.Cdr.CdrId).Order(), lines.Select(l => l.CdrId).Order());
            var byId = cdrs.ToDictionary(x => x.Cdr.CdrId);
            Assert.All(lines, l =>
            {
                var cdr = byId[l.CdrId];
                Assert.Equal((cdr.Cdr.TotalCost.ExclVat, cdr.Gross), (l.line.NetAmount, l.line.GrossAmount));
                Assert.Equal(cdr.Cdr.SessionId, l.line.SessionId);
                Assert.Equal(cdr.Cdr.Credit ? -cdr.Cdr.TotalEnergyKwh : cdr.Cdr.TotalEnergyKwh, l.line.Quantity);
            });
            Assert.All(atOnce, d =>
            {
                Assert.Equal(d.TotalNet, d.Lines.Sum(l => l.NetAmount));
                Assert.Equal(d.TotalGross, d.Lines.Sum(l => l.GrossAmount));
                Assert.Equal(d.TotalVat, d.Vat.Sum(v => v.VatAmount));
            });
            Assert.Equal((cdrs.Sum(x => x.Cdr.TotalCost.ExclVat), cdrs.Sum(x => x.Gross)), (atOnce.Sum(d => d.TotalNet), atOnce.Sum(d => d.TotalGross)));
            Assert.Equal((atOnce.Sum(d => d.TotalNet), atOnce.Sum(d => d.TotalGross)),
                (first.Concat(second).Sum(d => d.TotalNet), first.Concat(second).Sum(d => d.TotalGross)));
        }, iter: 200);

    /// <summary>What issuing does with the CDRs of the period: only those supplied in it and not billed yet.</summary>
    private static IReadOnlyList<InvoiceDocument> Invoice(InvoicedPartner partner, IReadOnlyList<InvoicedCdr> cdrs, LocalDate from, LocalDate through, IReadOnlyList<string> billed)
    {
        var state = new InvoiceIssuing.PartnerInvoicing(
            Drafts.Issuer(IssuedAt),
            partner, 0, [.. cdrs.Where(x => x.SupplyDate >= from && x.SupplyDate <= through)], null, billed, []);
        var decision = InvoiceIssuing.Decide(state, new IssuePartnerInvoices("cpo", PartnerCdrs.PartnerId, from, through, Buyer: null), IssuedAt);
        if (decision.Refusal is { Kind: Settlement.Domain.Deciding.RefusalKind.Conflict }) return [];
        Assert.Null(decision.Refusal);
        return InvoiceIssuing.DocumentsOf(decision);
    }

    /// <summary>A CDR at one of the stations, VAT at the station's rate on its net rounded half away from zero, as the CDR module issues it.</summary>
    private static InvoicedCdr Cdr(Currency currency, CdrCase c, string id)
    {
        var (zone, jurisdiction, rate) = Stations[c.Station];
        var session = Session("S-" + id, Priced(EnergyTimeAndFee(currency.Code, 0.5m, 0m, 0m), zone, new LocalDateTime(2026, 10, 12, 8, 0), 1, 11m), jurisdiction, rate);
        var net = new Money(c.NetMinor * new decimal(1, 0, 0, false, (byte)currency.MinorUnits), currency) * (c.Credit ? -1m : 1m);
        var gross = net + (net * rate / 100m).Round(MidpointRounding.AwayFromZero);
        var ended = new LocalDateTime(2026, 10, 1, 0, 0).PlusDays(c.Day).PlusMinutes(c.Minute).InZoneLeniently(DateTimeZoneProviders.Tzdb[zone]).ToInstant();
        return PartnerCdrs.With(session, id, net.Amount, gross.Amount, c.Kwh, ended - Duration.FromHours(1), ended) is var cdr && c.Credit
            ? cdr with { Cdr = cdr.Cdr with { Credit = true, CreditReferenceId = "CDR-ORIGINAL" } }
            : cdr;
    }
}
