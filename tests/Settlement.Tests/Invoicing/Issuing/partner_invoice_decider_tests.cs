using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Roaming;
using Settlement.Tests.Invoicing.Drafting;
using Xunit;
using static Settlement.Domain.Invoicing.InvoiceIssuing;

namespace Settlement.Tests.Invoicing.Issuing;

/// <summary>
/// A roaming partner's invoice of its CDRs, decided without a database on the state issuing reads: the issuer, the
/// partner's agreements (folded from its stream's events), its CDRs of the period and which of them are billed.
/// </summary>
public sealed class partner_invoice_decider_tests
{
    private static readonly Instant Now = Drafts.IssuedAt;

    private static readonly InvoiceIssuer Issuer = Drafts.Issuer(Now - Duration.FromDays(30));

    private static readonly InvoicedSession Berlin = Drafts.Session("S-BER", Drafts.Priced(Drafts.EnergyTimeAndFee("EUR", 0.50m, 0m, 0m),
        "Europe/Berlin", new LocalDateTime(2026, 10, 12, 8, 0), 1, 11m), "DE", 19m);

    private static readonly InvoicedSession Hamburg = Drafts.Session("S-HAM", Drafts.Priced(Drafts.EnergyTimeAndFee("EUR", 0.45m, 0m, 0m),
        "Europe/Berlin", new LocalDateTime(2026, 10, 20, 8, 0), 2, 7m), "DE", 19m);

    private static readonly InvoicedSession Paris = Drafts.Session("S-PAR", Drafts.Priced(Drafts.EnergyTimeAndFee("EUR", 0.40m, 0m, 0m),
        "Europe/Paris", new LocalDateTime(2026, 10, 14, 8, 0), 2, 7m), "FR", 20m);

    private static readonly InvoicedSession Zurich = Drafts.Session("S-ZRH", Drafts.Priced(Drafts.EnergyTimeAndFee("CHF", 0.60m, 0m, 0m),
        "Europe/Zurich", new LocalDateTime(2026, 10, 15, 8, 0), 1, 22m), "CH", 8.1m);

    private static readonly RoamingAgreement TenPercentMonthly = new(10m, "EUR", SettlementPeriod.Monthly);

    private static (object, SourceEvent) Recorded(object data, long version) => (data, new SourceEvent("partner:" + PartnerCdrs.PartnerId, version, "partner_event"));

    private static readonly object Invited = new RoamingPartnerInvited(PartnerCdrs.PartnerId, "Roam France", "abcdefabcdef", TenPercentMonthly, Now - Duration.FromDays(90));

    private static InvoicedPartner Partner(params object[] history) => InvoicedPartner.From(history.Select((e, i) => Recorded(e, i + 1)))!;

    private static readonly InvoicedPartner RoamFrance = Partner(Invited);

    private static readonly DeciderSpec<PartnerInvoicing, IssuePartnerInvoices> Partners =
        new(new PartnerInvoicing(null, null, 0, [], null, [], []), (state, read) => read as PartnerInvoicing ?? state, (state, command) => Decide(state, command, Now));

    private static IssuePartnerInvoices BillPartner(LocalDate from, LocalDate through, InvoiceParty? buyer = null) =>
        new("cpo", PartnerCdrs.PartnerId, from, through, buyer);

    private static readonly IssuePartnerInvoices October = BillPartner(new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31));

    private static PartnerInvoicing Read(InvoicedPartner? partner, IReadOnlyList<InvoicedCdr> cdrs, IReadOnlyList<string>? billed = null, IReadOnlyList<string>? withoutCdr = null) =>
        new(Issuer, partner, 7, cdrs, null, billed ?? [], withoutCdr ?? []);

    [Fact]
    public void each_cdr_is_a_line_with_its_session_evse_local_times_kwh_and_amounts()
    {
        var cdr = PartnerCdrs.Of(Berlin, "CDR-BER");

        var invoice = Assert.Single(DocumentsOf(Partners.Given(Read(RoamFrance, [cdr])).When(October).Decision));

        var line = Assert.Single(invoice.Lines);
        Assert.Equal("B2B-000008", invoice.Number);
        Assert.Equal("CDR CDR-BER: session S-BER, EVSE DE*SET*EsiteDE at Site DE, 2026-10-12 08:00-09:00 Europe/Berlin, 11.000 kWh", line.Description);
        Assert.Equal(("S-BER", 11m, "kWh", 5.50m, 1.05m, 6.55m), (line.SessionId!, line.Quantity, line.Unit, line.NetAmount, line.VatAmount, line.GrossAmount));
        Assert.Equal((cdr.Cdr.TotalCost.ExclVat, cdr.Cdr.TotalCost.InclVat), (invoice.TotalNet, invoice.TotalGross));
        Assert.Equal([(1, "CDR-BER")], InvoiceDrafting.CdrsBilledBy(invoice));
    }

    [Fact]
    public void the_commission_is_stated_once_as_the_partner_retains_it_and_what_is_due()
    {
        var invoice = Assert.Single(DocumentsOf(Partners.Given(Read(RoamFrance, [PartnerCdrs.Of(Berlin, "CDR-BER"), PartnerCdrs.Of(Hamburg, "CDR-HAM")])).When(October).Decision));

        // 5.50 + 6.30 = 11.80 net, 6.55 + 7.50 = 14.05 gross; 10% of the net is 1.18, so 12.87 is due.
        Assert.Equal((11.80m, 14.05m, 10m, 1.18m), (invoice.TotalNet, invoice.TotalGross, invoice.CommissionPercent!.Value, invoice.CommissionAmount!.Value));
        // The commission is stated once: the agreement's note names no commission of its own.
        var commission = Assert.Single(invoice.Notes, n => n.Contains("ommission", StringComparison.Ordinal));
        Assert.Equal("Commission retained by the partner under its roaming agreement: 10% of the net total, 1.18 EUR; amount due 12.87 EUR.", commission);
        Assert.DoesNotContain(invoice.Notes, n => n.Contains("separately", StringComparison.Ordinal));
        Assert.Contains("Roaming agreement in force since registration: invoiced monthly in EUR.", invoice.Notes);
    }

    [Fact]
    public void a_period_under_two_agreements_is_two_invoices_each_with_its_own_commission()
    {
        var changed = new RoamingAgreementChanged(PartnerCdrs.PartnerId, new RoamingAgreement(15m, "EUR", SettlementPeriod.Monthly), new LocalDate(2026, 10, 15), Now - Duration.FromDays(20));
        var partner = Partner(Invited, changed);

        var documents = DocumentsOf(Partners.Given(Read(partner, [PartnerCdrs.Of(Hamburg, "CDR-HAM"), PartnerCdrs.Of(Berlin, "CDR-BER")])).When(October).Decision);

        Assert.Equal([("B2B-000008", 10m, "S-BER"), ("B2B-000009", 15m, "S-HAM")],
            documents.Select(d => (d.Number, d.CommissionPercent!.Value, Assert.Single(d.Lines).SessionId!)));
        Assert.Equal(new SourceEvent("partner:" + PartnerCdrs.PartnerId, 2, "partner_event"), documents[1].Sources[1]);
        Assert.Contains("Roaming agreement in force from 2026-10-15: invoiced monthly in EUR.", documents[1].Notes);
    }

    [Fact]
    public void an_agreement_recorded_later_wins_on_the_dates_it_covers()
    {
        var fromNovember = new RoamingAgreementChanged(PartnerCdrs.PartnerId, TenPercentMonthly with { CommissionPercent = 20m }, new LocalDate(2026, 11, 1), Now);
        var fromMidOctober = new RoamingAgreementChanged(PartnerCdrs.PartnerId, TenPercentMonthly with { CommissionPercent = 12m }, new LocalDate(2026, 10, 15), Now);

        var partner = Partner(Invited, fromNovember, fromMidOctober);

        Assert.Equal([10m, 12m, 12m], new[] { new LocalDate(2026, 10, 14), new LocalDate(2026, 10, 15), new LocalDate(2026, 11, 2) }
            .Select(d => partner.InForceOn(d)!.CommissionPercent));
    }

    [Fact]
    public void a_legacy_registration_is_an_agreement_in_any_currency()
    {
        var partner = Partner(new RoamingPartnerRegistered(PartnerCdrs.PartnerId, "FR", "RFR", "Roam France", PartnerRole.Emsp, 7.5m, Now - Duration.FromDays(400)));

        var documents = DocumentsOf(Partners.Given(Read(partner, [PartnerCdrs.Of(Zurich, "CDR-ZRH"), PartnerCdrs.Of(Berlin, "CDR-BER")])).When(October).Decision);

        Assert.Equal([("CHF", 7.5m), ("EUR", 7.5m)], documents.Select(d => (d.Currency, d.CommissionPercent!.Value)));
        Assert.All(documents, d => Assert.Equal(("Roam France", "FR"), (d.Buyer.Name, d.Buyer.CountryCode)));
    }

    [Fact]
    public void a_credit_cdr_is_a_negative_line_and_the_totals_still_equal_the_cdrs()
    {
        var original = PartnerCdrs.Of(Paris, "CDR-PAR");
        var credit = PartnerCdrs.CreditOf(original, "CDR-PAR-CR");
        var corrected = PartnerCdrs.With(Paris, "CDR-PAR-2", 5.00m, 6.00m, 14m, original.Cdr.StartedAt, original.Cdr.EndedAt);

        var invoice = Assert.Single(DocumentsOf(Partners.Given(Read(RoamFrance, [original, credit, corrected])).When(October).Decision));

        Assert.Equal([(14m, 5.60m), (14m, 5.00m), (-14m, -5.60m)], invoice.Lines.Select(l => (l.Quantity, l.NetAmount)));
        Assert.StartsWith("Credit CDR CDR-PAR-CR (crediting CDR CDR-PAR)", invoice.Lines[2].Description);
        Assert.Equal((5.00m, 6.00m), (invoice.TotalNet, invoice.TotalGross));
    }

    [Fact]
    public void only_cdrs_no_invoice_bills_yet_are_invoiced_and_sessions_without_a_cdr_are_named()
    {
        var invoice = Assert.Single(DocumentsOf(Partners.Given(Read(RoamFrance, [PartnerCdrs.Of(Berlin, "CDR-BER"), PartnerCdrs.Of(Hamburg, "CDR-HAM")],
            billed: ["CDR-BER"], withoutCdr: ["S-LATE"])).When(October).Decision));

        Assert.Equal(["S-HAM"], invoice.Lines.Select(l => l.SessionId!));
        Assert.Contains("Not invoiced yet, no CDR issued: session S-LATE.", invoice.Notes);
    }

    [Fact]
    public void a_partner_with_no_unbilled_cdr_is_refused_naming_its_sessions_without_one() =>
        Partners.Given(Read(RoamFrance, [PartnerCdrs.Of(Berlin, "CDR-BER")], billed: ["CDR-BER"], withoutCdr: ["S-LATE"])).When(October)
            .ThenRefused(RefusalKind.Conflict, "Partner FR-RFR has no unbilled CDRs supplied from 2026-10-01 through 2026-10-31", "sessions without a CDR yet: S-LATE");

    [Fact]
    public void cdrs_that_cannot_be_lines_are_refused_all_named_and_nothing_is_issued()
    {
        var dollars = PartnerCdrs.Of(Berlin, "CDR-USD") is var c ? c with { Cdr = c.Cdr with { Currency = "USD" } } : c;
        var fractions = PartnerCdrs.With(Hamburg, "CDR-FRAC", 6.305m, 7.50m, 14m, Hamburg.Price.From, Hamburg.Price.Until);

        Partners.Given(Read(RoamFrance, [dollars, fractions, PartnerCdrs.Of(Paris, "CDR-PAR")])).When(October)
            .ThenRefused(RefusalKind.Unprocessable,
                "CDR CDR-USD is priced in USD, but the roaming agreement in force on 2026-10-12 settles in EUR.",
                "CDR CDR-FRAC: total_cost 6.305 excl. VAT / 7.50 incl. VAT is not in whole minor units of EUR.");
    }

    [Fact]
    public void a_reverse_charged_partner_is_billed_the_cdrs_net_without_the_stations_vat()
    {
        var french = new InvoiceParty("Roam France SAS", "Paris", "FR", "FR32123456789");
        var berlin = PartnerCdrs.Of(Berlin, "CDR-BER");

        var invoices = DocumentsOf(Partners.Given(Read(RoamFrance, [berlin, PartnerCdrs.Of(Paris, "CDR-PAR")]))
            .When(BillPartner(new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31), french)).Decision);

        var line = invoices.SelectMany(i => i.Lines).Single(l => l.SessionId == berlin.Cdr.SessionId);
        Assert.Equal((berlin.Cdr.TotalCost.ExclVat, 0m, berlin.Cdr.TotalCost.ExclVat, VatTreatment.ReverseCharge),
            (line.NetAmount, line.VatAmount, line.GrossAmount, line.Treatment));
        Assert.True(berlin.Cdr.TotalCost.InclVat > berlin.Cdr.TotalCost.ExclVat, "the CDR states the station's VAT");
    }

    [Fact]
    public void a_reverse_charged_cdr_is_billed_without_vat()
    {
        var french = new InvoiceParty("Roam France SAS", "Paris", "FR", "FR32123456789");

        var invoices = DocumentsOf(Partners.Given(Read(RoamFrance, [PartnerCdrs.Of(Berlin, "CDR-BER", reverseCharged: true), PartnerCdrs.Of(Paris, "CDR-PAR")]))
            .When(BillPartner(new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31), french)).Decision);

        // One invoice per registration: the reverse-charged German supply under the home id, the French one under the French id.
        Assert.Equal([(VatTreatment.ReverseCharge, 0m, Drafts.Seller.VatId), (VatTreatment.Standard, 1.12m, "FR68300000002")],
            invoices.SelectMany(i => i.Lines.Select(l => (l.Treatment, l.VatAmount, i.Seller.VatId))));
        Assert.Contains(InvoiceDrafting.ReverseChargeNote, invoices[0].Notes);
    }

    [Fact]
    public void a_period_ending_before_it_starts_is_refused() =>
        Partners.Given().When(BillPartner(new LocalDate(2026, 10, 31), new LocalDate(2026, 10, 1)))
            .ThenRefused(RefusalKind.Unprocessable, "The period ends", "before it starts");

    [Fact]
    public void a_period_longer_than_a_year_is_refused() =>
        Partners.Given(Read(RoamFrance, [])).When(BillPartner(new LocalDate(2025, 10, 1), new LocalDate(2026, 10, 31)))
            .ThenRefused(RefusalKind.Unprocessable, "longer than 366 days");

    [Fact]
    public void a_partner_id_that_is_not_ocpis_is_refused_naming_the_field() =>
        Partners.Given(Read(RoamFrance, [])).When(October with { PartnerId = "EMSP-" + new string('x', 300) })
            .ThenRefused(RefusalKind.Unprocessable, "partnerId must be an OCPI partner id");

    [Fact]
    public void an_unregistered_partner_is_not_invoiced() =>
        Partners.Given(Read(null, [])).When(October)
            .ThenRefused(RefusalKind.NotFound, "No roaming partner 'FR-RFR' is registered.");
}
