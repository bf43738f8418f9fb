using NodaTime;
using Settlement.Domain.Kpis;

namespace Settlement.Domain.Reports;

// One record per EV-ChART module row. Every row names the station as registered in EV-ChART
// (station_id) and the network that runs it (network_provider): EV-ChART matches the pair to a
// registered station, so both must be spelled exactly as registered. Limits are EV-ChART's column
// types: ids up to 36 characters, free text up to 255; decimals carry at most the column's decimal
// places (the renderers refuse more rather than round a reported figure).

/// <summary>
/// Module 2: a port's charging session, or, with <see cref="Session"/> null, the row that states the
/// port had no session in the period (EV-ChART's "no data" row, all session columns empty).
/// </summary>
public sealed record ChargingSessionRow(
    string StationId,
    string NetworkProvider,
    string PortId,
    ChargingSession? Session);

/// <summary>
/// What 23 CFR 680.112(a)(3)–(6) asks of a session. EV-ChART enforces no code list for
/// <see cref="SessionError"/> or <see cref="PaymentMethod"/>: both are written as given, and both are
/// required, so a session without an error still states the operator's "no error" code.
/// </summary>
/// <param name="Start">When the session became active in the network's platform.</param>
/// <param name="EnergyKwh">Energy dispensed, decimal(7,2), at least 0.</param>
/// <param name="PeakPowerKw">Highest power of the session, decimal(7,2), at least 0.</param>
/// <param name="ErrorOther">Describes an error outside the recommended codes.</param>
/// <param name="PaymentOther">Describes a payment method outside the recommended ones.</param>
public sealed record ChargingSession(
    string SessionId,
    string? ChargerId,
    string? ConnectorId,
    Instant Start,
    Instant End,
    string SessionError,
    string? ErrorOther,
    decimal EnergyKwh,
    decimal PeakPowerKw,
    string PaymentMethod,
    string? PaymentOther);

/// <summary>
/// Module 3: a port's uptime over [ReportingStart, ReportingEnd] (23 CFR 680.116(b)), with the outage
/// minutes it was computed from. <see cref="UptimePercent"/> is null for a port not yet operational
/// for a year, which EV-ChART accepts only for such ports.
/// </summary>
/// <param name="UptimePercent">decimal(5,2), at least 0.</param>
/// <param name="OutageMinutes">T_outage, decimal(8,2), at least 0.</param>
/// <param name="ExcludedOutageMinutes">T_excluded, decimal(8,2), at least 0.</param>
public sealed record UptimeRow(
    string StationId,
    string NetworkProvider,
    string PortId,
    Instant ReportingStart,
    Instant ReportingEnd,
    decimal? UptimePercent,
    decimal OutageMinutes,
    decimal ExcludedOutageMinutes);

/// <summary>
/// Module 4: one outage of a port, or, with <see cref="Outage"/> null, the row that states the port
/// had no outage in the period (EV-ChART's "no data" row).
/// </summary>
public sealed record OutageRow(
    string StationId,
    string NetworkProvider,
    string PortId,
    Outage? Outage);

/// <summary>
/// An outage as EV-ChART identifies it: by the instant it began. It is excluded from uptime exactly
/// when it has an <see cref="ExclusionReason"/>; an outage only partly outside the operator's control
/// is reported as two outages.
/// </summary>
/// <param name="DurationMinutes">decimal(8,2), at least 0.01.</param>
/// <param name="Notes">Free text about the outage or its exclusion.</param>
public sealed record Outage(
    Instant Start,
    decimal DurationMinutes,
    OutageCause? ExclusionReason,
    string? Notes);

/// <summary>
/// Module 5: a station's maintenance and repair cost over [ReportStart, ReportEnd], in US dollars.
/// <see cref="TotalCost"/> null states that no cost is known for the period (EV-ChART "no data");
/// the federally funded part is always required.
/// </summary>
/// <param name="ProjectId">The NEVI project's FAIN or other id.</param>
/// <param name="ChargingAsAService">The cost is a charging-as-a-service total, not itemised.</param>
/// <param name="TotalCost">decimal(9,2), at least 0.</param>
/// <param name="FederalCost">decimal(9,2), at least 0.</param>
public sealed record MaintenanceCostRow(
    string StationId,
    string NetworkProvider,
    string? ProjectId,
    Instant ReportStart,
    Instant ReportEnd,
    bool? ChargingAsAService,
    decimal? TotalCost,
    decimal FederalCost,
    string? Notes);
