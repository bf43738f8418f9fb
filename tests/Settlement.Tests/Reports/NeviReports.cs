using NodaTime;
using Settlement.Domain.Kpis;
using Settlement.Domain.Reports;

namespace Settlement.Tests.Reports;

/// <summary>Small reports of one Munich station in the first quarter of 2026 (and 2025 for costs), one per module.</summary>
internal static class NeviReports
{
    private const string Station = "SET-MUC-01";
    private const string Network = "settlement";

    private static readonly Instant QuarterStart = Instant.FromUtc(2026, 1, 1, 0, 0);
    private static readonly Instant QuarterEnd = Instant.FromUtc(2026, 4, 1, 0, 0);
    private static readonly EventRange Source = new(FirstSequence: 10_401, LastSequence: 18_977, EventCount: 2_315);

    private static Instant At(int month, int day, int hour, int minute, int second = 0) => Instant.FromUtc(2026, month, day, hour, minute, second);

    public static NeviReport<ChargingSessionRow> ChargingSessions() => new(NeviModule.ChargingSessions, QuarterStart, QuarterEnd, Source,
    [
        new(Station, Network, "MUC01-1", new ChargingSession(
            SessionId: "S-1001", ChargerId: "DE-MUC-01", ConnectorId: "1",
            // A charger's clock has milliseconds; EV-ChART gets whole seconds.
            Start: At(1, 5, 8, 0).PlusNanoseconds(750_000_000), End: At(1, 5, 8, 41, 30),
            SessionError: "NONE", ErrorOther: null,
            EnergyKwh: 31.5m, PeakPowerKw: 148.2m,
            PaymentMethod: "CREDIT_CARD", PaymentOther: null)),
        new(Station, Network, "MUC01-1", new ChargingSession(
            SessionId: "S-1002", ChargerId: "DE-MUC-01", ConnectorId: "1",
            Start: At(2, 17, 19, 2), End: At(2, 17, 19, 3, 10),
            SessionError: "OTHER", ErrorOther: "-12 V on the pilot, vehicle did not respond",
            EnergyKwh: 0m, PeakPowerKw: 0m,
            PaymentMethod: "RFID", PaymentOther: null)),
        new(Station, Network, "MUC01-2", Session: null),
    ]);

    // T_outage 4620 and T_excluded 120 minutes: (525600 - (4620 - 120)) / 525600 = 99.14 %.
    public static NeviReport<UptimeRow> Uptime() => new(NeviModule.Uptime, QuarterStart, QuarterEnd, Source,
    [
        new(Station, Network, "MUC01-1", QuarterStart, At(3, 31, 23, 59, 59), UptimePercent: 99.14m, OutageMinutes: 4620m, ExcludedOutageMinutes: 120m),
        new(Station, Network, "MUC01-2", QuarterStart, At(3, 31, 23, 59, 59), UptimePercent: null, OutageMinutes: 0m, ExcludedOutageMinutes: 0m),
    ]);

    public static NeviReport<OutageRow> Outages() => new(NeviModule.Outages, QuarterStart, QuarterEnd, Source,
    [
        new(Station, Network, "MUC01-1", new Outage(At(1, 22, 6, 14), 95.5m, OutageCause.UtilityInterruption, "Grid operator maintenance, notice 2026-117")),
        new(Station, Network, "MUC01-1", new Outage(At(3, 2, 13, 40, 30), 12.25m, ExclusionReason: null, Notes: null)),
        new(Station, Network, "MUC01-2", Outage: null),
    ]);

    public static NeviReport<MaintenanceCostRow> MaintenanceCosts() => new(NeviModule.MaintenanceCosts,
        Instant.FromUtc(2025, 1, 1, 0, 0), Instant.FromUtc(2026, 1, 1, 0, 0), Source,
    [
        new(Station, Network, ProjectId: "693JJ32340001", ReportStart: Instant.FromUtc(2025, 1, 1, 0, 0), ReportEnd: Instant.FromUtc(2025, 12, 31, 23, 59, 59),
            ChargingAsAService: false, TotalCost: 12_480.55m, FederalCost: 9_360.41m, Notes: "Cable replacement on MUC01-2, quarterly inspections"),
    ]);
}
