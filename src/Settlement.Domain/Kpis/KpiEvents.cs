using System.ComponentModel.DataAnnotations;
using NodaTime;

namespace Settlement.Domain.Kpis;

/// <summary>
/// The causes 23 CFR 680.116(b)(3) lets an operator exclude from a port's outage time. The numbers are
/// the EV-ChART Module 4 excluded_outage_reason codes, assumed to follow the rule's order.
/// </summary>
public enum OutageCause
{
    UtilityInterruption = 1,
    VehicleFault = 2,
    ScheduledMaintenance = 3,
    Vandalism = 4,
    NaturalDisaster = 5,
    OutsideOperatingHours = 6,
}

/// <summary>
/// An operator's statement that outage time of a port (EVSE; 0 = every EVSE of the charger) in
/// [From, Until) had a cause outside its control. It changes what is excluded, never the outage itself.
/// </summary>
public sealed record OutageCauseTagged(
    [property: MinLength(1)] string ChargerId,
    [property: Range(0, 99)] int EvseId,
    Instant From,
    Instant Until,
    OutageCause Cause,
    string? Notes,
    Instant TaggedAt);

/// <summary>A site's maintenance and repair cost over [From, Through] in USD, for the NEVI annual report (EV-ChART Module 5).</summary>
public sealed record MaintenanceCostReported(
    [property: MinLength(1)] string SiteId,
    LocalDate From,
    LocalDate Through,
    [property: Range(0.0, 9_999_999.99)] decimal TotalCost,
    [property: Range(0.0, 9_999_999.99)] decimal FederalCost,
    bool? ChargingAsAService,
    string? ProjectId,
    string? Notes,
    Instant ReportedAt);
