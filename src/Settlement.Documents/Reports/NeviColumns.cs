using Settlement.Domain.Reports;

namespace Settlement.Documents.Reports;

/// <summary>An EV-ChART column and the value a row puts in it: text, an Instant, a decimal, a bool, an int, or null for an empty cell.</summary>
internal sealed record NeviColumn<TRow>(EvChartField Field, Func<TRow, object?> Value);

/// <summary>
/// Each module's columns in EvChartFields order, and where a row's values go. The CSV and the JSON of a
/// report both write these, so the two never disagree on a value.
/// </summary>
internal static class NeviColumns
{
    public static readonly NeviColumn<ChargingSessionRow>[] ChargingSessions =
    [
        new(EvChartFields.StationId, row => row.StationId),
        new(EvChartFields.NetworkProvider, row => row.NetworkProvider),
        new(EvChartFields.PortId, row => row.PortId),
        new(EvChartFields.ChargerId, row => row.Session?.ChargerId),
        new(EvChartFields.SessionId, row => row.Session?.SessionId),
        new(EvChartFields.ConnectorId, row => row.Session?.ConnectorId),
        new(EvChartFields.SessionStart, row => row.Session?.Start),
        new(EvChartFields.SessionEnd, row => row.Session?.End),
        new(EvChartFields.SessionError, row => row.Session?.SessionError),
        new(EvChartFields.ErrorOther, row => row.Session?.ErrorOther),
        new(EvChartFields.EnergyKwh, row => row.Session?.EnergyKwh),
        new(EvChartFields.PowerKw, row => row.Session?.PeakPowerKw),
        new(EvChartFields.PaymentMethod, row => row.Session?.PaymentMethod),
        new(EvChartFields.PaymentOther, row => row.Session?.PaymentOther),
    ];

    public static readonly NeviColumn<UptimeRow>[] Uptime =
    [
        new(EvChartFields.StationId, row => row.StationId),
        new(EvChartFields.NetworkProvider, row => row.NetworkProvider),
        new(EvChartFields.PortId, row => row.PortId),
        new(EvChartFields.UptimeReportingStart, row => row.ReportingStart),
        new(EvChartFields.UptimeReportingEnd, row => row.ReportingEnd),
        new(EvChartFields.Uptime, row => row.UptimePercent),
        new(EvChartFields.TotalOutage, row => row.OutageMinutes),
        new(EvChartFields.TotalOutageExcl, row => row.ExcludedOutageMinutes),
    ];

    public static readonly NeviColumn<OutageRow>[] Outages =
    [
        new(EvChartFields.StationId, row => row.StationId),
        new(EvChartFields.NetworkProvider, row => row.NetworkProvider),
        new(EvChartFields.PortId, row => row.PortId),
        new(EvChartFields.OutageId, row => row.Outage?.Start),
        new(EvChartFields.OutageDuration, row => row.Outage?.DurationMinutes),
        new(EvChartFields.ExcludedOutage, row => row.Outage is { } outage ? outage.ExclusionReason is not null : null),
        // OutageCause's numbers are the reason codes (see OutageCause for how sure that is).
        new(EvChartFields.ExcludedOutageReason, row => (int?)row.Outage?.ExclusionReason),
        new(EvChartFields.ExcludedOutageNotes, row => row.Outage?.Notes),
    ];

    public static readonly NeviColumn<MaintenanceCostRow>[] MaintenanceCosts =
    [
        new(EvChartFields.StationId, row => row.StationId),
        new(EvChartFields.NetworkProvider, row => row.NetworkProvider),
        new(EvChartFields.ProjectId, row => row.ProjectId),
        new(EvChartFields.MaintenanceReportStart, row => row.ReportStart),
        new(EvChartFields.MaintenanceReportEnd, row => row.ReportEnd),
        new(EvChartFields.Caas, row => row.ChargingAsAService),
        new(EvChartFields.MaintenanceCostTotal, row => row.TotalCost),
        new(EvChartFields.MaintenanceCostFederal, row => row.FederalCost),
        new(EvChartFields.MaintenanceNotes, row => row.Notes),
    ];

    /// <exception cref="ArgumentException">The report says it is another module than its rows are.</exception>
    public static void RequireModule<TRow>(NeviReport<TRow> report, NeviModule module)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Module != module)
            throw new ArgumentException($"a report of {typeof(TRow).Name}s is module {(int)module}, not {(int)report.Module}", nameof(report));
    }
}
