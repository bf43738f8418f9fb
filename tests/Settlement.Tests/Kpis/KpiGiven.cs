using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Kpis;
using Settlement.Domain.Sessions;

namespace Settlement.Tests.Kpis;

/// <summary>Facts as a test states them: a two-EVSE charger in service since 2025, times in UTC in 2026 unless said.</summary>
internal static class KpiGiven
{
    public static readonly Instant LongAgo = Instant.FromUtc(2025, 1, 1, 0, 0);

    public static readonly ChargerProfile Charger = new("CP-1", "SITE-1", "Alpitronic", "HYC300", EvseCount: 2, RegisteredAt: LongAgo);

    public static Instant At(int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        Instant.FromUtc(2026, month, day, hour, minute, second);

    public static PortTimeline Port(int evseId, Instant until, params ChargerFact[] facts) => Port(Charger, evseId, until, facts);

    public static PortTimeline Port(ChargerProfile charger, int evseId, Instant until, params ChargerFact[] facts) =>
        PortTimelines.Of(charger, facts, until).Single(port => port.Port.EvseId == evseId);

    public static ChargerFact WentOffline(Instant lastSeen) => new(ChargerFactKind.WentOffline, lastSeen, 0);
    public static ChargerFact CameOnline(Instant at) => new(ChargerFactKind.CameOnline, at, 0);
    public static ChargerFact Status(Instant at, int evseId, ConnectorStatus status) => new(ChargerFactKind.Status, at, evseId, status);
    public static ChargerFact FaultRaised(Instant at, int evseId, string code = "GroundFailure") => new(ChargerFactKind.FaultRaised, at, evseId, Code: code);
    public static ChargerFact FaultCleared(Instant at, int evseId, string code = "GroundFailure") => new(ChargerFactKind.FaultCleared, at, evseId, Code: code);
    public static ChargerFact Firmware(Instant at, string version) => new(ChargerFactKind.Firmware, at, 0, Code: version);

    public static ChargerFact MaintenancePlanned(string id, int evseId, Instant from, Instant until, string? notes = null) =>
        new(ChargerFactKind.MaintenancePlanned, from, evseId, Code: id, Until: until, Notes: notes);

    public static ChargerFact MaintenanceEnded(string id, Instant at) => new(ChargerFactKind.MaintenanceEnded, at, 0, Code: id);

    public static ChargerFact CauseTagged(int evseId, Instant from, Instant until, OutageCause cause, string? notes = null) =>
        new(ChargerFactKind.OutageCauseTagged, from, evseId, Until: until, Cause: cause, Notes: notes);

    public static SessionFacts Charged(string id, int evseId, Instant started, Instant stopped, long wh, Instant? authorised = null) =>
        new(id, Charger.ChargerId, evseId, 1, TokenType.Rfid, AuthorisationOutcome.Accepted, authorised ?? started, started, stopped,
            StopReason.EVDisconnected, MeterStartWh: 100_000, LastMeterWh: 100_000 + wh, PeakPowerW: 150_000m, Stars: null, RatedAt: null);

    public static SessionFacts Authorised(string id, int evseId, Instant at, AuthorisationOutcome outcome = AuthorisationOutcome.Accepted) =>
        new(id, Charger.ChargerId, evseId, null, TokenType.App, outcome, at, null, null, null, null, null, null, null, null);

    public static SessionFacts Rated(SessionFacts session, int stars, Instant at) => session with { Stars = stars, RatedAt = at };
}
