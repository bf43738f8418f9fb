using Settlement.Domain.Deciding;
using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Host;
using Settlement.Host.Invoicing;
using Settlement.Ledger.Store;
using Settlement.Projections.Invoicing;
using Settlement.Projections.Chargers;
using Marten;

namespace Settlement.Tests.Invoicing.Issuing;

[Collection(LedgerCollection.Name)]
public sealed class invoice_issuing_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly Instant October = Instant.FromUtc(2026, 10, 12, 12, 0);
    private readonly InvoicingDesk _desk = new(db.Ledger);

    public Task InitializeAsync() => _desk.RegisterIssuerAsync();

    public async Task DisposeAsync() => await _desk.DisposeAsync();

    public static TheoryData<string, decimal, decimal, string, string, decimal> Jurisdictions => new()
    {
        { "Munich", 48.14m, 11.58m, "Europe/Berlin", "DE", 19m },
        { "Paris", 48.86m, 2.35m, "Europe/Paris", "FR", 20m },
        { "Amsterdam", 52.37m, 4.90m, "Europe/Amsterdam", "NL", 21m },
        { "Oslo", 59.91m, 10.75m, "Europe/Oslo", "NO", 25m },
    };

    [Theory]
    [MemberData(nameof(Jurisdictions))]
    public async Task a_station_is_taxed_at_the_rate_of_the_jurisdiction_it_stands_in(
        string city, decimal latitude, decimal longitude, string zone, string jurisdiction, decimal rate)
    {
        var (network, session) = await _desk.SessionAtAsync(latitude, longitude, zone, jurisdiction[..2], October);
        await _desk.PricedAsync();

        var invoice = Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));

        var vat = Assert.Single(invoice.Vat);
        Assert.Equal((jurisdiction, rate), (vat.Jurisdiction, vat.VatPercent));
        Assert.Equal(Math.Round(10.00m * rate / 100m, 2, MidpointRounding.AwayFromZero), invoice.TotalVat);
        // The resolution was recorded on the site's stream, and the invoice names it and the rate it used.
        var site = await LoadAsync<SiteEntry>(Domain.Events.StreamIds.Site(network.SiteId));
        Assert.Equal((jurisdiction, JurisdictionMethod.Boundaries), (site!.Jurisdiction!.Jurisdiction, site.Jurisdiction.Method));
        Assert.Contains(invoice.Sources, s => s.StreamId == Domain.Events.StreamIds.Site(network.SiteId) && s.EventType == "site_jurisdiction_resolved_v1");
        Assert.Contains(invoice.Sources, s => s.StreamId == Domain.Events.StreamIds.TaxRates(jurisdiction) && s.EventType == "tax_rate_set_v1");
        Assert.Contains(invoice.Sources, s => s.StreamId == Domain.Events.StreamIds.Session(session) && s.EventType == "session_stopped_v1");
        Assert.True(city.Length > 0);
    }

    [Fact]
    public async Task a_border_site_is_flagged_and_an_operators_override_decides_its_jurisdiction()
    {
        // Vaals (NL), a few hundred metres from Aachen (DE).
        var (network, session) = await _desk.SessionAtAsync(50.770m, 6.018m, "Europe/Amsterdam", "NL", October);
        var (resolved, _) = await _desk.Desk.JurisdictionOfAsync(network.SiteId, CancellationToken.None);
        Assert.NotEmpty(resolved.NearBorderWith);

        await _desk.Desk.OverrideJurisdictionAsync(network.SiteId, "DE", "Supply point registered with the Aachen grid operator; confirmed by the tax office", CancellationToken.None);
        await _desk.PricedAsync();
        var invoice = Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));

        Assert.Equal(("DE", 19m), (invoice.Vat[0].Jurisdiction, invoice.Vat[0].VatPercent));
    }

    [Theory]
    [InlineData(2020, 6, 30, 19)]
    [InlineData(2020, 7, 1, 16)]
    [InlineData(2020, 12, 31, 16)]
    [InlineData(2021, 1, 1, 19)]
    public async Task the_german_rate_of_the_supply_date_applies(int year, int month, int day, decimal rate)
    {
        var startedAt = new LocalDateTime(year, month, day, 10, 0).InZoneLeniently(DateTimeZoneProviders.Tzdb["Europe/Berlin"]).ToInstant();
        var (_, session) = await _desk.SessionAtAsync(52.52m, 13.40m, "Europe/Berlin", "DE", startedAt);
        await _desk.PricedAsync();

        var invoice = Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));

        Assert.Equal(rate, invoice.Lines.Single().VatPercent);
    }

    [Fact]
    public async Task an_operators_rate_overrides_the_built_in_one_on_its_dates()
    {
        var (network, session) = await _desk.SessionAtAsync(47.37m, 8.54m, "Europe/Zurich", "CH", October, currency: "CHF");
        var (jurisdiction, _) = await _desk.Desk.JurisdictionOfAsync(network.SiteId, CancellationToken.None);
        var before = (await _desk.Desk.RatesAsync("CH", CancellationToken.None)).RateOn("CH", new LocalDate(2026, 10, 12));
        await _desk.Desk.SetRateAsync("CH", 9.1m, new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31), "Test: a hypothetical October rate", CancellationToken.None);
        await _desk.PricedAsync();

        var invoice = Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));

        Assert.Equal("CH", jurisdiction.Jurisdiction);
        Assert.Equal(8.1m, before!.Rate.RatePercent);
        Assert.Equal(9.1m, invoice.Vat[0].VatPercent);
        // Other dates keep the built-in rate.
        Assert.Equal(8.1m, (await _desk.Desk.RatesAsync("CH", CancellationToken.None)).RateOn("CH", new LocalDate(2026, 11, 1))!.Rate.RatePercent);
    }

    [Fact]
    public async Task a_session_is_billed_once_until_a_credit_note_reverses_it()
    {
        var (_, session) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", October);
        await _desk.PricedAsync();
        Assert.Contains(session, await _desk.Desk.DriverSessionsToBillAsync(CancellationToken.None));
        var invoice = Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));
        Assert.DoesNotContain(session, await _desk.Desk.DriverSessionsToBillAsync(CancellationToken.None));

        var twice = await Assert.ThrowsAsync<RefusedException>(() => _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));
        Assert.Equal(RefusalKind.Conflict, twice.Kind);

        var note = await _desk.Desk.IssueCreditNoteAsync(_desk.IssuerId, invoice.Number, lineNos: null, "Driver billed under the wrong company");
        Assert.Contains(session, await _desk.Desk.DriverSessionsToBillAsync(CancellationToken.None));
        var again = await Assert.ThrowsAsync<RefusedException>(() =>
            _desk.Desk.IssueCreditNoteAsync(_desk.IssuerId, invoice.Number, [1], "again"));
        var corrected = Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session],
            new InvoiceParty("Fleet GmbH", "Ring 2, Munich", "DE", "DE999999995")));

        Assert.Equal(("CN-000001", invoice.Number, -invoice.TotalGross), (note.Number, note.CreditsInvoice, note.TotalGross));
        Assert.Equal(RefusalKind.Conflict, again.Kind);
        Assert.Equal(("INV-000002", "Fleet GmbH"), (corrected.Number, corrected.Buyer.Name));
        var entry = await LoadAsync<InvoiceEntry>(InvoiceEntry.KeyOf(_desk.IssuerId, invoice.Number));
        Assert.Equal([1], entry!.CreditedLines);
        Assert.Equal(["CN-000001"], entry.CreditNotes);
    }

    [Fact]
    public async Task a_roaming_session_is_billed_to_its_partner_by_its_cdr_with_the_commission_stated()
    {
        var (_, first) = await _desk.SessionAtAsync(48.14m, 11.58m, "Europe/Berlin", "DE", October);
        var (_, second) = await _desk.SessionAtAsync(48.86m, 2.35m, "Europe/Paris", "FR", October + Duration.FromHours(2), kwh: 30);
        var partner = await _desk.InvitedPartnerAsync(commissionPercent: 12.5m, "EUR", first, second);
        await _desk.PricedAsync();
        // The German session is reverse-charged to the French partner; the French one bears French VAT.
        var cdrs = new[] { await _desk.IssueCdrAsync(partner, first, reverseCharged: true), await _desk.IssueCdrAsync(partner, second) };

        Assert.DoesNotContain(first, await _desk.Desk.DriverSessionsToBillAsync(CancellationToken.None));
        var toDriver = await Assert.ThrowsAsync<RefusedException>(() => _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [first], buyer: null));
        var invoices = await _desk.Desk.IssuePartnerInvoicesAsync(_desk.IssuerId, partner,
            new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31), new InvoiceParty("Roam France SAS", "Paris", "FR", "FR32123456789"));
        var nothingLeft = await Assert.ThrowsAsync<RefusedException>(() => _desk.Desk.IssuePartnerInvoicesAsync(_desk.IssuerId, partner,
            new LocalDate(2026, 10, 1), new LocalDate(2026, 10, 31), buyer: null));

        Assert.Contains(partner, toDriver.Message);
        // One invoice per VAT registration: the reverse-charged German supply under the home id, the French one under the French id.
        Assert.Equal([("B2B-000001", "DE300000002"), ("B2B-000002", "FR68300000002")], invoices.Select(i => (i.Number, i.Seller.VatId!)));
        Assert.All(invoices, invoice => Assert.Equal(InvoiceKind.PartnerInvoice, invoice.Kind));
        Assert.Equal([first, second], invoices.SelectMany(i => i.Lines).Select(l => l.SessionId));
        Assert.Equal(cdrs, invoices.SelectMany(InvoiceDrafting.CdrsBilledBy).Select(b => b.CdrId));
        Assert.Equal([(VatTreatment.ReverseCharge, 0m), (VatTreatment.Standard, 3.00m)], invoices.SelectMany(i => i.Lines).Select(l => (l.Treatment, l.VatAmount)));
        Assert.Equal(25.00m, invoices.Sum(i => i.TotalNet));
        Assert.All(invoices, invoice => Assert.True(invoice.CommissionAmount > 0m));
        Assert.Equal(RefusalKind.Conflict, nothingLeft.Kind);
    }

    [Fact]
    public async Task an_unknown_issuer_or_session_is_refused_with_what_to_do()
    {
        var noIssuer = await Assert.ThrowsAsync<RefusedException>(() => _desk.Desk.IssueSessionInvoicesAsync("nobody", ["S-1"], buyer: null));
        var noSession = await Assert.ThrowsAsync<RefusedException>(() => _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, ["S-none"], buyer: null));

        Assert.Equal(RefusalKind.NotFound, noIssuer.Kind);
        Assert.Contains("POST /api/issuers", noIssuer.Message);
        Assert.Equal(RefusalKind.NotFound, noSession.Kind);
    }

    private async Task<T?> LoadAsync<T>(string id) where T : notnull
    {
        await using var query = db.Ledger.Store.QuerySession();
        return await query.LoadAsync<T>(id);
    }
}
