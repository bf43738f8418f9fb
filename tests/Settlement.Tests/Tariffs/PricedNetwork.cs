using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;
using Settlement.Ledger;

namespace Settlement.Tests.Tariffs;

/// <summary>
/// A site with one two-EVSE charger (and optionally a tariff for the site), appended to the shared test
/// ledger under fresh ids, and sessions on it. Tests keep apart by those ids.
/// </summary>
internal sealed class PricedNetwork(Settlement.Ledger.Ledger ledger)
{
    public static readonly Instant SetUpAt = Instant.FromUtc(2026, 1, 5, 9, 0);
    private static readonly EventMetadata ByOperator = EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "tests"), SetUpAt);

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    public string SiteId => $"SITE-{_suffix}";
    public string ChargerId => $"CHG-{_suffix}";
    public string TariffId => $"TARIFF-{_suffix}";

    /// <summary>By default in Munich.</summary>
    public async Task<PricedNetwork> RegisterSiteAsync(
        string timeZone = "Europe/Berlin", decimal latitude = 48.14m, decimal longitude = 11.58m, string countryCode = "DE")
    {
        await ledger.AppendAsync(StreamAppend.New(StreamIds.Site(SiteId), new PendingEvent(
            new SiteRegisteredV2(SiteId, "Test site", null, countryCode, timeZone, latitude, longitude, 300m, null, SetUpAt), ByOperator)));
        return this;
    }

    public async Task<PricedNetwork> RegisterChargerAsync()
    {
        await ledger.AppendAsync(StreamAppend.New(StreamIds.Charger(ChargerId), new PendingEvent(
            new ChargerRegistered(ChargerId, SiteId, "Alpitronic", "HYC300", OcppVersion.Ocpp201,
                [Evse(1), Evse(2)], SetUpAt), ByOperator)));
        return this;

        static EvseSpecification Evse(int id) => new(id, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 300m)]);
    }

    /// <summary>A flat energy price for the whole site from <paramref name="from"/> (default <see cref="SetUpAt"/>) on, no VAT.</summary>
    public async Task<PricedNetwork> PriceSiteAsync(decimal perKwh, string currency = "EUR", Instant? from = null)
    {
        var validFrom = from ?? SetUpAt;
        var tariff = new TariffPublished(TariffId, 1, currency, PricesIncludeVat: false,
            [new TariffElement([new PriceComponent(PriceComponentType.Energy, perKwh, VatPercent: null, StepSize: 1)], Restrictions: null)],
            validFrom, ValidUntil: null, validFrom);
        await ledger.AppendAsync(StreamAppend.New(StreamIds.Tariff(TariffId),
            new PendingEvent(tariff, ByOperator),
            new PendingEvent(new TariffAssigned(TariffId, TariffScope.Site, SiteId, validFrom, ValidUntil: null, validFrom), ByOperator)));
        return this;
    }

    /// <summary>
    /// A session on EVSE 1 drawing <paramref name="whPerReading"/> between readings ten minutes apart,
    /// each event appended on its own, as the OCPP endpoint records them.
    /// </summary>
    /// <param name="appended">Called after each event with the number of readings so far, e.g. to let the daemon catch up.</param>
    public async Task<string> ChargeAsync(Instant startedAt, int readings, long whPerReading, bool stop = true, Func<string, int, Task>? appended = null)
    {
        appended ??= (_, _) => Task.CompletedTask;
        var sessionId = $"S-{Guid.NewGuid():N}"[..14];
        var stream = StreamIds.Session(sessionId);
        var metadata = EventMetadata.NewCorrelation(Actor.Charger(ChargerId), startedAt);
        const long meterStartWh = 1_000;
        await ledger.AppendAsync(StreamAppend.New(stream, new PendingEvent(
            new SessionStartedV2(sessionId, ChargerId, 1, 1, "tx-" + sessionId, TestDrivers.Seal("RFID-0001"), meterStartWh, startedAt), metadata)));
        await appended(sessionId, 0);

        var at = startedAt;
        var register = meterStartWh;
        for (var i = 0; i < readings; i++)
        {
            (at, register) = (at + Duration.FromMinutes(10), register + whPerReading);
            await ledger.AppendAsync(new StreamAppend(stream,
                [new PendingEvent(new MeterValuesRecorded(sessionId, [new MeterReading(at, register, PowerW: null, StateOfChargePercent: null)]), metadata)]));
            await appended(sessionId, i + 1);
        }
        if (stop)
            await ledger.AppendAsync(new StreamAppend(stream,
                [new PendingEvent(new SessionStopped(sessionId, register, StopReason.EVDisconnected, at), metadata)]));
        return sessionId;
    }
}
