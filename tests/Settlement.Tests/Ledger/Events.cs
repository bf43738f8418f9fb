using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Sessions;
using Settlement.Ledger;

namespace Settlement.Tests.Ledger;

/// <summary>Small builders so tests read as the facts they state.</summary>
internal static class Events
{
    public static readonly Instant Noon = Instant.FromUtc(2026, 10, 12, 12, 0);

    public static string NewSessionId() => "S-" + Guid.NewGuid().ToString("N")[..12];

    public static SessionStartedV2 Started(string sessionId, long meterStartWh = 1_000) =>
        new(sessionId, "DE-MUC-01", 1, 1, "tx-" + sessionId, TestDrivers.Seal("RFID-0001"), meterStartWh, Noon);

    public static SessionStopped Stopped(string sessionId, long meterStopWh) =>
        new(sessionId, meterStopWh, StopReason.EVDisconnected, Noon.Plus(Duration.FromMinutes(40)));

    public static SessionRated Rated(string sessionId, string comment, int stars = 4) => new(sessionId, stars, comment, Noon);

    public static EventMetadata FromCharger(Instant occurredAt) =>
        EventMetadata.NewCorrelation(Actor.Charger("DE-MUC-01"), occurredAt);

    public static PendingEvent Pending(object data) => new(data, FromCharger(Noon));
}
