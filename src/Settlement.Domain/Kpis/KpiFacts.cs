using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Sessions;

namespace Settlement.Domain.Kpis;

public enum ChargerFactKind
{
    /// <summary>Status of <see cref="ChargerFact.EvseId"/> (0: every EVSE) is <see cref="ChargerFact.Status"/> from <see cref="ChargerFact.At"/>.</summary>
    Status,
    /// <summary>The charger stopped communicating at <see cref="ChargerFact.At"/> (the last message heard).</summary>
    WentOffline,
    /// <summary>The charger communicates again from <see cref="ChargerFact.At"/>.</summary>
    CameOnline,
    /// <summary>Fault <see cref="ChargerFact.Code"/> raised on <see cref="ChargerFact.EvseId"/> (0: the whole charger).</summary>
    FaultRaised,
    /// <summary>Fault <see cref="ChargerFact.Code"/> cleared.</summary>
    FaultCleared,
    /// <summary>Planned maintenance of <see cref="ChargerFact.EvseId"/> over [At, Until); <see cref="ChargerFact.Code"/> is its id.</summary>
    MaintenancePlanned,
    /// <summary>Maintenance <see cref="ChargerFact.Code"/> ended early or late at <see cref="ChargerFact.At"/>.</summary>
    MaintenanceEnded,
    /// <summary>Outage time of <see cref="ChargerFact.EvseId"/> over [At, Until) had <see cref="ChargerFact.Cause"/>.</summary>
    OutageCauseTagged,
    /// <summary>Runs firmware <see cref="ChargerFact.Code"/> from <see cref="ChargerFact.At"/> (booted, or installed).</summary>
    Firmware,
}

/// <summary>
/// One fact about a charger that KPIs need, flattened so a month of them is one small document.
/// Which fields are set depends on <see cref="Kind"/>.
/// </summary>
public sealed record ChargerFact(
    ChargerFactKind Kind,
    Instant At,
    int EvseId,
    ConnectorStatus? Status = null,
    string? Code = null,
    Instant? Until = null,
    OutageCause? Cause = null,
    string? Notes = null);

/// <summary>A charger's facts recorded in one UTC month, in ledger order. Id: "{chargerId}|{yyyy-MM}".</summary>
public sealed record ChargerMonthFacts(string Id, string ChargerId, string Month, IReadOnlyList<ChargerFact> Facts)
{
    public static string KeyOf(string chargerId, Instant at) => $"{chargerId}|{MonthOf(at)}";

    public static string MonthOf(Instant at) => at.InUtc().Date.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// What KPIs and the NEVI session report need of one charging session (or of a plug-in that was
/// authorised and never started). Energy is the register's rise; peak power the highest power reading.
/// </summary>
public sealed record SessionFacts(
    string Id,
    string ChargerId,
    int EvseId,
    int? ConnectorId,
    TokenType? TokenType,
    AuthorisationOutcome? Authorisation,
    Instant? AuthorisedAt,
    Instant? StartedAt,
    Instant? StoppedAt,
    StopReason? StopReason,
    long? MeterStartWh,
    long? LastMeterWh,
    decimal? PeakPowerW,
    int? Stars,
    Instant? RatedAt)
{
    public long EnergyWh => MeterStartWh is { } start && LastMeterWh is { } last ? Math.Max(0, last - start) : 0;
}
