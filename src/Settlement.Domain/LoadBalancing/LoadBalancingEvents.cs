using System.ComponentModel.DataAnnotations;
using NodaTime;
using Settlement.Domain.Events;

namespace Settlement.Domain.LoadBalancing;

// A site's power model is a tree: the grid connection at its root, feeders and distribution boards below it, EVSEs
// at the leaves. Every circuit has a limit in amperes per phase and/or kW; an EVSE draws on the phases it is wired
// to. Currents are per phase, in amperes, at the site's nominal phase voltage.

public enum GridPhase { L1, L2, L3 }

/// <summary>How the grid side of an EVSE is limited: AC chargers take a current (A), DC chargers a power (W).</summary>
public enum ChargingRateUnit { A, W }

/// <summary>
/// One circuit of the tree. The root (<paramref name="ParentId"/> null) is the grid connection. A limit left null
/// does not bind; at least one of the two is given.
/// </summary>
public sealed record PowerCircuit(
    [property: RegularExpression(PowerModelIds.CircuitIdPattern)] string CircuitId,
    [property: RegularExpression(PowerModelIds.CircuitIdPattern)] string? ParentId,
    [property: Range(0.0, 100_000.0)] decimal? MaxAmpsPerPhase,
    [property: Range(0.0, 100_000.0)] decimal? MaxKw);

/// <summary>
/// An EVSE the balancer controls: the circuit it hangs from, the grid phases it is wired to (one, or all three),
/// and the current per phase it can be set to. Below <paramref name="MinAmps"/> it cannot charge, so it is
/// suspended (0 A) rather than set lower.
/// </summary>
public sealed record BalancedEvse(
    [property: MinLength(1), MaxLength(64)] string ChargerId,
    [property: Range(1, 99)] int EvseId,
    [property: RegularExpression(PowerModelIds.CircuitIdPattern)] string CircuitId,
    [property: MinLength(1), MaxLength(3)] IReadOnlyList<GridPhase> Phases,
    [property: Range(0.0, 1_000.0)] decimal MinAmps,
    [property: Range(0.0, 1_000.0)] decimal MaxAmps,
    ChargingRateUnit Unit);

/// <summary>An onsite battery behind <paramref name="CircuitId"/>: it adds its discharge power there while above its reserve.</summary>
public sealed record SiteBattery(
    [property: RegularExpression(PowerModelIds.CircuitIdPattern)] string CircuitId,
    [property: Range(0.0, 100_000.0)] decimal CapacityKwh,
    [property: Range(0.0, 100_000.0)] decimal MaxChargeKw,
    [property: Range(0.0, 100_000.0)] decimal MaxDischargeKw,
    [property: Range(0.0, 100.0)] decimal ReservePercent);

public enum SharingPolicy
{
    /// <summary>Every session the same current, as far as its EVSE and circuits allow.</summary>
    EqualShare,

    /// <summary>Shares weighted by the session's customer group (fleet, premium...); suspensions hit the lowest weight first.</summary>
    Priority,
}

/// <summary>
/// How the site's power is shared. <paramref name="Reclaim"/>: a car drawing well below its allocation keeps only
/// what it draws plus a margin, the rest goes to the others, and it gets its share back once it draws near the cap.
/// <paramref name="PriorityWeights"/>: customer group → weight (1 to 10); groups not listed weigh 1.
/// </summary>
public sealed record BalancingPolicy(
    SharingPolicy Sharing,
    bool Reclaim,
    IReadOnlyDictionary<string, int> PriorityWeights,
    [property: Range(5, 3_600)] int RebalanceSeconds);

/// <summary>
/// The operator defined (or replaced) the site's power model; it holds from <paramref name="DefinedAt"/> on.
/// <paramref name="NominalVoltage"/> is the phase-to-neutral voltage that turns amperes into watts.
/// </summary>
public sealed record SitePowerModelDefined(
    [property: MinLength(1), MaxLength(64)] string SiteId,
    [property: Range(100, 400)] int NominalVoltage,
    [property: MinLength(1), MaxLength(PowerModelIds.MaxCircuits)] IReadOnlyList<PowerCircuit> Circuits,
    [property: MaxLength(PowerModelIds.MaxEvses)] IReadOnlyList<BalancedEvse> Evses,
    SiteBattery? Battery,
    BalancingPolicy Policy,
    Instant DefinedAt);

public enum GridSignalKind
{
    /// <summary>The utility caps the circuit (the grid connection by default).</summary>
    Throttle,

    /// <summary>A demand-response event the operator takes part in: a cap like a throttle, announced ahead.</summary>
    DemandResponse,

    /// <summary>The grid supplies nothing: only the battery does.</summary>
    Outage,
}

/// <summary>
/// A signal limits the circuit (the root when <paramref name="CircuitId"/> is null) from <paramref name="From"/> until
/// <paramref name="Until"/>: to <paramref name="CapPercent"/> of its limit and/or to <paramref name="CapKw"/>. An outage
/// carries no cap: the grid gives 0.
/// </summary>
public sealed record GridSignalIssued(
    [property: MinLength(1), MaxLength(64)] string SiteId,
    [property: RegularExpression(PowerModelIds.SignalIdPattern)] string SignalId,
    GridSignalKind Kind,
    [property: RegularExpression(PowerModelIds.CircuitIdPattern)] string? CircuitId,
    [property: Range(0.0, 100.0)] decimal? CapPercent,
    [property: Range(0.0, 100_000.0)] decimal? CapKw,
    Instant From,
    Instant Until,
    [property: MaxLength(200)] string? Source,
    Instant IssuedAt);

/// <summary>The signal no longer holds from <paramref name="WithdrawnAt"/> (the utility lifted it early, or it was a mistake).</summary>
public sealed record GridSignalWithdrawn(
    [property: MinLength(1), MaxLength(64)] string SiteId,
    [property: RegularExpression(PowerModelIds.SignalIdPattern)] string SignalId,
    Instant WithdrawnAt);

/// <summary>The battery's state of charge as its energy management system reported it.</summary>
public sealed record BatteryStateReported(
    [property: MinLength(1), MaxLength(64)] string SiteId,
    [property: Range(0.0, 100.0)] decimal StateOfChargePercent,
    Instant ReportedAt);

/// <summary>Why a session got the limit it got.</summary>
public enum AllocationStatus
{
    /// <summary>Its share of what the circuits allow.</summary>
    Shared,

    /// <summary>Its EVSE's maximum: nothing held it back.</summary>
    AtMaximum,

    /// <summary>Drawing well below its share: capped near what it draws (reclaim).</summary>
    Reclaimed,

    /// <summary>Its minimum would not fit: 0 A until its turn comes.</summary>
    Suspended,

    /// <summary>Its charger did not acknowledge a limit: counted at the EVSE's maximum until it does.</summary>
    Uncontrolled,
}

/// <summary>
/// One session as the allocation saw it and what it decided. <paramref name="ChargingSince"/> and
/// <paramref name="SuspendedSince"/> are its turn as the decision found it (suspended sessions take turns).
/// <paramref name="CommandId"/> names the SetChargingProfile sent for a changed limit (null when the limit stayed as applied).
/// <paramref name="DefaultCommandId"/> names the one that set its EVSE's TxDefaultProfile to 0 A (null when it held 0 A
/// already, or its charger does not acknowledge): while a session charges its EVSE holds no reservation, so a car
/// plugging in there once this one left, before the balancer hears of it, draws nothing beyond what was counted.
/// </summary>
public sealed record SessionAllocationDecided(
    [property: MinLength(1)] string SessionId,
    [property: MinLength(1), MaxLength(64)] string ChargerId,
    [property: Range(1, 99)] int EvseId,
    Instant StartedAt,
    [property: MaxLength(64)] string? CustomerGroup,
    [property: Range(1, 10)] int Weight,
    [property: Range(0.0, 1_000.0)] decimal? MeasuredAmps,
    [property: Range(0, 100)] int? StateOfChargePercent,
    [property: Range(0.0, 1_000.0)] decimal? PreviousLimitAmps,
    bool Responsive,
    Instant? ChargingSince,
    Instant? SuspendedSince,
    [property: Range(0.0, 1_000.0)] decimal LimitAmps,
    AllocationStatus Status,
    [property: RegularExpression("^[0-9a-f]{32}$")] string? CommandId,
    [property: RegularExpression("^[0-9a-f]{32}$")] string? DefaultCommandId);

/// <summary>
/// An EVSE without a live session and what the decision reserved for a car arriving there, sent as its
/// TxDefaultProfile: its minimum if that fits after every live session's minimum, else 0 A; an unresponsive charger's
/// EVSE is counted at <paramref name="AppliedDefaultAmps"/>, the default it last acknowledged (its maximum when not known).
/// <paramref name="CommandId"/> names the SetChargingProfile sent for a changed default (null when it stayed as applied).
/// </summary>
public sealed record IdleEvseDecided(
    [property: MinLength(1), MaxLength(64)] string ChargerId,
    [property: Range(1, 99)] int EvseId,
    bool Responsive,
    [property: Range(0.0, 1_000.0)] decimal? AppliedDefaultAmps,
    [property: Range(0.0, 1_000.0)] decimal ReservedAmps,
    [property: RegularExpression("^[0-9a-f]{32}$")] string? CommandId);

/// <summary>A circuit's limit per phase and in kW as in force for the decision (signals and battery applied), and its allocated load.</summary>
public sealed record CircuitLoadDecided(
    [property: RegularExpression(PowerModelIds.CircuitIdPattern)] string CircuitId,
    [property: Range(0.0, 100_000.0)] decimal? LimitAmpsPerPhase,
    [property: Range(0.0, 100_000.0)] decimal? LimitKw,
    [property: MinLength(3), MaxLength(3)] IReadOnlyList<decimal> AllocatedAmps,
    [property: Range(0.0, 100_000.0)] decimal AllocatedKw);

public enum RebalanceTrigger { SessionStarted, SessionStopped, MeterValues, Signal, ModelChanged, Battery, ChargerAnswered, Periodic }

/// <summary>
/// The balancer shared the site's power: its inputs (the model version, the signals in force, the battery, every
/// live session with its measurement, every idle EVSE's acknowledged default) and its outputs (limits, reservations,
/// circuits' loads with the reservations counted), so that an auditor can replay why a car charged slowly.
/// </summary>
public sealed record LoadAllocationDecided(
    [property: MinLength(1), MaxLength(64)] string SiteId,
    [property: AtLeast(1)] long ModelVersion,
    RebalanceTrigger Trigger,
    SharingPolicy Sharing,
    bool Reclaim,
    IReadOnlyList<string> SignalsInForce,
    [property: Range(0.0, 100.0)] decimal? BatteryStateOfChargePercent,
    [property: Range(-100_000.0, 100_000.0)] decimal BatteryKw,
    IReadOnlyList<CircuitLoadDecided> Circuits,
    IReadOnlyList<SessionAllocationDecided> Sessions,
    IReadOnlyList<IdleEvseDecided> IdleEvses,
    Instant DecidedAt);

public static class PowerModelIds
{
    public const string CircuitIdPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";
    public const string SignalIdPattern = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$";
    public const int MaxCircuits = 200;
    public const int MaxEvses = 2_000;
    public const int MaxSignalsInForce = 100;
}
