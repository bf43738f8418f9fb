using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Host.Invoicing;
using Settlement.Ledger;
using Settlement.Ledger.Store;
using Settlement.Tests.Tariffs;

namespace Settlement.Tests.Invoicing.Issuing;

/// <summary>
/// An invoice desk on the shared test ledger with its own issuer, and the priced sessions to bill.
/// Tests keep apart by the issuer's fresh id, so each sees its own gapless series.
/// </summary>
internal sealed class InvoicingDesk(Settlement.Ledger.Ledger ledger) : IAsyncDisposable
{
    public static readonly Instant Now = Instant.FromUtc(2026, 11, 2, 8, 0);
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(60);

    private readonly AsyncProjections _pricing = new(ledger, NullLogger.Instance);

    public string IssuerId { get; } = "cpo-" + Guid.NewGuid().ToString("N")[..8];
    public InvoiceDesk Desk { get; } = new(ledger, new StoppedClock(Now));

    public Task RegisterIssuerAsync() =>
        Desk.RegisterIssuerAsync(IssuerId, "Settlement Charging GmbH", "Hauptstr. 1, 10115 Berlin", "DE", "DE123456789", CancellationToken.None);

    /// <summary>A site at the coordinates with a flat energy price, and one session on it supplying <paramref name="kwh"/>.</summary>
    public async Task<(PricedNetwork Network, string SessionId)> SessionAtAsync(
        decimal latitude, decimal longitude, string timeZone, string country, Instant startedAt, decimal perKwh = 0.50m, string currency = "EUR", long kwh = 20)
    {
        var network = await new PricedNetwork(ledger).RegisterSiteAsync(timeZone, latitude, longitude, country);
        await network.RegisterChargerAsync();
        await network.PriceSiteAsync(perKwh, currency, from: startedAt - Duration.FromDays(1));
        return (network, await network.ChargeAsync(startedAt, readings: 4, whPerReading: kwh * 250));
    }

    public async Task<string> RoamingPartnerAsync(decimal commissionPercent, params string[] sessionIds)
    {
        var partnerId = "EMSP-" + Guid.NewGuid().ToString("N")[..6];
        var metadata = EventMetadata.NewCorrelation(new Actor(ActorKind.Partner, partnerId), PricedNetwork.SetUpAt);
        await ledger.AppendAsync(new StreamAppend(StreamIds.RoamingPartner(partnerId),
        [
            new PendingEvent(new RoamingPartnerRegistered(partnerId, "FR", "RFR", "Roam France", PartnerRole.Emsp, commissionPercent, PricedNetwork.SetUpAt), metadata),
            .. sessionIds.Select(id => new PendingEvent(new RoamingSessionRecordedV2(partnerId, id, TestDrivers.Seal("TOKEN-" + id), "AUTH-" + id, PricedNetwork.SetUpAt), metadata)),
        ]));
        return partnerId;
    }

    /// <summary>Until pricing has caught up with everything appended so far.</summary>
    public async Task PricedAsync()
    {
        await _pricing.StartAsync(CancellationToken.None);
        await _pricing.WaitForNonStaleDataAsync(CatchUp);
    }

    /// <summary>Through the desk's running projections, since only the node that runs them may rebuild one.</summary>
    public async Task RebuildAsync(string projectionName)
    {
        await _pricing.StartAsync(CancellationToken.None);
        await _pricing.RebuildAsync(projectionName, TimeSpan.FromMinutes(2));
    }

    public async ValueTask DisposeAsync() => await _pricing.DisposeAsync();
}

internal sealed class StoppedClock(Instant now) : IClock
{
    public Instant GetCurrentInstant() => now;
}
