using Settlement.Projections;
using Marten;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Tariffs;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Projections.Chargers;
using Settlement.Tests.Invoicing.Issuing;

namespace Settlement.Tests.Tariffs;

/// <summary>
/// The inline read models that record where an event sits in its stream (a tariff version's
/// TariffPublished, a site's jurisdiction) hold the version the ledger recorded, also when the append
/// named no expected version, as the demo's history, the bench and a jurisdiction override append. Issued
/// invoices cite those versions as their provenance.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class recorded_stream_version_tests(LedgerDatabase db) : IAsyncLifetime
{
    private static readonly Instant October = Instant.FromUtc(2026, 10, 12, 12, 0);
    private static readonly EventMetadata ByOperator = EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "tests"), PricedNetwork.SetUpAt);
    private readonly InvoicingDesk _desk = new(db.Ledger);

    public Task InitializeAsync() => _desk.RegisterIssuerAsync();

    public async Task DisposeAsync() => await _desk.DisposeAsync();

    [Fact]
    public async Task a_tariff_appended_without_an_expected_version_shows_its_recorded_stream_versions_in_the_live_directory()
    {
        var tariffId = NewTariffId();
        var stream = StreamIds.Tariff(tariffId);

        // As the demo appends its history: one unversioned append per stream, then more later.
        await db.Ledger.AppendAsync(new StreamAppend(stream,
            [Pending(Published(tariffId, 1, October)), Pending(Assigned(tariffId, "SITE-X", October))]));
        await db.Ledger.AppendAsync(new StreamAppend(stream, [Pending(Published(tariffId, 2, October + Duration.FromDays(7)))]));

        var live = await DirectoryAsync(tariffId);
        Assert.Equal([(1, 1L), (2, 3L)], live.Versions.Select(v => (v.Tariff.Version, v.StreamVersion)));
        Assert.Equal(await RecordedVersionsAsync(stream), live.Versions.Select(v => v.StreamVersion));
    }

    [Fact]
    public async Task appends_of_one_tariff_stream_in_one_batch_get_consecutive_versions_whether_the_stream_exists_or_not()
    {
        var tariffId = NewTariffId();
        var stream = StreamIds.Tariff(tariffId);
        var otherId = NewTariffId();
        await db.Ledger.AppendAsync(new StreamAppend(stream, [Pending(Published(tariffId, 1, October))]));

        await db.Ledger.AppendAsync(
        [
            new StreamAppend(stream, [Pending(Published(tariffId, 2, October + Duration.FromDays(1)))]),
            new StreamAppend(StreamIds.Tariff(otherId), [Pending(Published(otherId, 1, October))]),
            new StreamAppend(stream, [Pending(Assigned(tariffId, "SITE-X", October)), Pending(Published(tariffId, 3, October + Duration.FromDays(2)))]),
            new StreamAppend(StreamIds.Tariff(otherId), [Pending(Published(otherId, 2, October + Duration.FromDays(1)))]),
        ]);

        var live = await DirectoryAsync(tariffId);
        Assert.Equal([1L, 2L, 4L], live.Versions.Select(v => v.StreamVersion));
        Assert.Equal(await RecordedVersionsAsync(stream), live.Versions.Select(v => v.StreamVersion));
        Assert.Equal([1L, 2L], (await DirectoryAsync(otherId)).Versions.Select(v => v.StreamVersion));
    }

    [Fact]
    public async Task unversioned_publications_racing_from_two_hosts_all_land_at_their_recorded_versions()
    {
        var tariffId = NewTariffId();
        var stream = StreamIds.Tariff(tariffId);
        await using var otherHost = await LedgerStore.OpenAsync(db.ConnectionString, SettlementReadModels.All);
        var hosts = new[] { db.Ledger, otherHost };

        await Task.WhenAll(Enumerable.Range(1, 12).Select(version => Task.Run(() =>
            hosts[version % 2].AppendAsync(new StreamAppend(stream, [Pending(Published(tariffId, version, October + Duration.FromDays(version)))])))));

        var live = await DirectoryAsync(tariffId);
        Assert.Equal(12, live.Versions.Count);
        Assert.Equal(Enumerable.Range(1, 12).Select(v => (long)v), live.Versions.Select(v => v.StreamVersion).Order());
        Assert.Equal(await RecordedVersionsAsync(stream), live.Versions.Select(v => v.StreamVersion));
    }

    [Fact]
    public async Task an_invoice_priced_under_a_tariff_appended_without_an_expected_version_cites_the_tariffs_recorded_version()
    {
        var network = await new PricedNetwork(db.Ledger).RegisterSiteAsync();
        await network.RegisterChargerAsync();
        var validFrom = October - Duration.FromDays(1);
        await db.Ledger.AppendAsync(new StreamAppend(StreamIds.Tariff(network.TariffId),
            [Pending(Published(network.TariffId, 1, validFrom)), Pending(Assigned(network.TariffId, network.SiteId, validFrom))]));
        var session = await network.ChargeAsync(October, readings: 4, whPerReading: 5_000);
        await _desk.PricedAsync();

        var invoice = Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));

        Assert.Contains(new SourceEvent(StreamIds.Tariff(network.TariffId), 1, EventType.StoredNameOf(typeof(TariffPublished))), invoice.Sources);
        Assert.Equal(1, Assert.Single((await DirectoryAsync(network.TariffId)).Versions).StreamVersion);
    }

    [Fact]
    public async Task an_invoice_after_an_operators_jurisdiction_override_cites_the_override_at_its_recorded_version()
    {
        // Vaals (NL), on the border with Aachen (DE): registered (1), resolved from the boundaries (2), overridden (3).
        var (network, session) = await _desk.SessionAtAsync(50.770m, 6.018m, "Europe/Amsterdam", "NL", October);
        await _desk.Desk.JurisdictionOfAsync(network.SiteId, CancellationToken.None);
        await _desk.Desk.OverrideJurisdictionAsync(network.SiteId, "DE", "Supply point registered with the Aachen grid operator", CancellationToken.None);
        await _desk.PricedAsync();

        var invoice = Assert.Single(await _desk.Desk.IssueSessionInvoicesAsync(_desk.IssuerId, [session], buyer: null));

        var siteStream = StreamIds.Site(network.SiteId);
        Assert.Equal(3, (await db.Ledger.ReadStreamAsync(siteStream))[^1].Version);
        Assert.Contains(new SourceEvent(siteStream, 3, EventType.StoredNameOf(typeof(SiteJurisdictionResolved))), invoice.Sources);
        await using var query = db.Ledger.Store.QuerySession();
        var site = await query.LoadAsync<SiteEntry>(siteStream);
        Assert.Equal(("DE", 3L), (site!.Jurisdiction!.Jurisdiction, site.JurisdictionVersion));
    }

    private static string NewTariffId() => "TARIFF-" + Guid.NewGuid().ToString("N")[..8];

    private static PendingEvent Pending(object data) => new(data, ByOperator);

    private static TariffPublished Published(string tariffId, int version, Instant validFrom) =>
        new(tariffId, version, "EUR", PricesIncludeVat: false,
            [new TariffElement([new PriceComponent(PriceComponentType.Energy, 0.40m + version / 100m, VatPercent: null, StepSize: 1)], Restrictions: null)],
            validFrom, ValidUntil: null, PricedNetwork.SetUpAt);

    private static TariffAssigned Assigned(string tariffId, string siteId, Instant validFrom) =>
        new(tariffId, TariffScope.Site, siteId, validFrom, ValidUntil: null, PricedNetwork.SetUpAt);

    private async Task<TariffHistory> DirectoryAsync(string tariffId)
    {
        await using var query = db.Ledger.Store.QuerySession();
        return (await query.LoadAsync<TariffHistory>(tariffId))!;
    }

    /// <summary>The stream versions the ledger recorded for the stream's TariffPublished events, in stream order.</summary>
    private async Task<IReadOnlyList<long>> RecordedVersionsAsync(string stream) =>
        (await db.Ledger.ReadStreamAsync(stream)).Where(e => e.Data is TariffPublished).Select(e => e.Version).ToList();
}
