using NodaTime;

namespace Settlement.Domain.Reports;

/// <summary>The EV-ChART modules a NEVI-funded station reports (23 CFR 680.112); the numbers are EV-ChART's.</summary>
public enum NeviModule
{
    /// <summary>Quarterly, one row per charging session of a port (680.112(a)(3)–(6)).</summary>
    ChargingSessions = 2,
    /// <summary>Quarterly, one row per port and reporting period (680.112(a)(7)).</summary>
    Uptime = 3,
    /// <summary>Quarterly, one row per outage of a port (680.112(a)(8)).</summary>
    Outages = 4,
    /// <summary>Annual, one row per station and cost period (680.112(b)(1)).</summary>
    MaintenanceCosts = 5,
}

/// <summary>
/// The ledger events a report was computed from: global sequence numbers [FirstSequence, LastSequence] and
/// how many of the events in between it read, so anyone can replay exactly that range and get the same rows.
/// </summary>
public sealed record EventRange(long FirstSequence, long LastSequence, long EventCount);

/// <summary>One module's submission for [PeriodFrom, PeriodUntil), with the events it rests on.</summary>
public sealed record NeviReport<TRow>(
    NeviModule Module,
    Instant PeriodFrom,
    Instant PeriodUntil,
    EventRange Source,
    IReadOnlyList<TRow> Rows);
