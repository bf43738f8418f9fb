namespace Settlement.Domain.Reports;

public enum EvChartType { Text, DateTime, Decimal, Integer, Boolean }

public enum EvChartPresence
{
    /// <summary>The column may be left out, and its cells left empty.</summary>
    Optional,
    /// <summary>The column must be there and every cell filled.</summary>
    Required,
    /// <summary>The column must be there; an empty cell is a "no data" statement the module's row rules judge.</summary>
    RequiredEmptyAllowed,
}

/// <summary>
/// One column of an EV-ChART upload and what its cells must hold. A decimal has at most
/// <see cref="Precision"/> − <see cref="Scale"/> digits before the point and <see cref="Scale"/> after it.
/// </summary>
public sealed record EvChartField(
    string Name,
    EvChartType Type,
    EvChartPresence Presence,
    int? MaxLength = null,
    int Precision = 0,
    int Scale = 0,
    decimal? Min = null,
    decimal? Max = null);

/// <summary>
/// The columns of EV-ChART modules 2–5 as its central configuration (table module{N}_data_v3,
/// ev-chart-open-source 6664664) defines them, each module's in the order we write them.
/// </summary>
public static class EvChartFields
{
    // EV-ChART does not type-check these two; it looks the pair up among registered stations. Requiring
    // a non-blank value is the part of that lookup that needs no registry.
    public static readonly EvChartField StationId = new("station_id", EvChartType.Text, EvChartPresence.Required);
    public static readonly EvChartField NetworkProvider = new("network_provider", EvChartType.Text, EvChartPresence.Required);
    public static readonly EvChartField PortId = new("port_id", EvChartType.Text, EvChartPresence.Required, MaxLength: 36);

    public static readonly EvChartField ChargerId = new("charger_id", EvChartType.Text, EvChartPresence.Optional, MaxLength: 36);
    public static readonly EvChartField SessionId = new("session_id", EvChartType.Text, EvChartPresence.RequiredEmptyAllowed, MaxLength: 36);
    public static readonly EvChartField ConnectorId = new("connector_id", EvChartType.Text, EvChartPresence.Optional, MaxLength: 36);
    public static readonly EvChartField SessionStart = new("session_start", EvChartType.DateTime, EvChartPresence.RequiredEmptyAllowed);
    public static readonly EvChartField SessionEnd = new("session_end", EvChartType.DateTime, EvChartPresence.RequiredEmptyAllowed);
    public static readonly EvChartField SessionError = new("session_error", EvChartType.Text, EvChartPresence.RequiredEmptyAllowed, MaxLength: 255);
    public static readonly EvChartField ErrorOther = new("error_other", EvChartType.Text, EvChartPresence.Optional, MaxLength: 255);
    public static readonly EvChartField EnergyKwh = new("energy_kwh", EvChartType.Decimal, EvChartPresence.RequiredEmptyAllowed, Precision: 7, Scale: 2, Min: 0m);
    public static readonly EvChartField PowerKw = new("power_kw", EvChartType.Decimal, EvChartPresence.RequiredEmptyAllowed, Precision: 7, Scale: 2, Min: 0m);
    public static readonly EvChartField PaymentMethod = new("payment_method", EvChartType.Text, EvChartPresence.RequiredEmptyAllowed, MaxLength: 255);
    public static readonly EvChartField PaymentOther = new("payment_other", EvChartType.Text, EvChartPresence.Optional, MaxLength: 255);

    public static readonly EvChartField UptimeReportingStart = new("uptime_reporting_start", EvChartType.DateTime, EvChartPresence.Required);
    public static readonly EvChartField UptimeReportingEnd = new("uptime_reporting_end", EvChartType.DateTime, EvChartPresence.Required);
    // No upper bound of 100: EV-ChART's own valid samples report 101.02, so only the precision limits it.
    public static readonly EvChartField Uptime = new("uptime", EvChartType.Decimal, EvChartPresence.RequiredEmptyAllowed, Precision: 5, Scale: 2, Min: 0m);
    public static readonly EvChartField TotalOutage = new("total_outage", EvChartType.Decimal, EvChartPresence.Required, Precision: 8, Scale: 2, Min: 0m);
    public static readonly EvChartField TotalOutageExcl = new("total_outage_excl", EvChartType.Decimal, EvChartPresence.Required, Precision: 8, Scale: 2, Min: 0m);

    public static readonly EvChartField OutageId = new("outage_id", EvChartType.DateTime, EvChartPresence.RequiredEmptyAllowed);
    public static readonly EvChartField OutageDuration = new("outage_duration", EvChartType.Decimal, EvChartPresence.RequiredEmptyAllowed, Precision: 8, Scale: 2, Min: 0.01m);
    public static readonly EvChartField ExcludedOutage = new("excluded_outage", EvChartType.Boolean, EvChartPresence.Optional);
    public static readonly EvChartField ExcludedOutageReason = new("excluded_outage_reason", EvChartType.Integer, EvChartPresence.Optional, Min: 1m, Max: 6m);
    public static readonly EvChartField ExcludedOutageNotes = new("excluded_outage_notes", EvChartType.Text, EvChartPresence.Optional, MaxLength: 255);

    // The configuration sets no length for project_id; 256 is its database column, which refuses longer ones.
    public static readonly EvChartField ProjectId = new("project_id", EvChartType.Text, EvChartPresence.Optional, MaxLength: 256);
    public static readonly EvChartField MaintenanceReportStart = new("maintenance_report_start", EvChartType.DateTime, EvChartPresence.Required);
    public static readonly EvChartField MaintenanceReportEnd = new("maintenance_report_end", EvChartType.DateTime, EvChartPresence.Required);
    public static readonly EvChartField Caas = new("caas", EvChartType.Boolean, EvChartPresence.Optional);
    public static readonly EvChartField MaintenanceCostTotal = new("maintenance_cost_total", EvChartType.Decimal, EvChartPresence.RequiredEmptyAllowed, Precision: 9, Scale: 2, Min: 0m);
    public static readonly EvChartField MaintenanceCostFederal = new("maintenance_cost_federal", EvChartType.Decimal, EvChartPresence.Required, Precision: 9, Scale: 2, Min: 0m);
    public static readonly EvChartField MaintenanceNotes = new("maintenance_notes", EvChartType.Text, EvChartPresence.Optional, MaxLength: 255);

    private static readonly EvChartField[] ChargingSessions =
    [
        StationId, NetworkProvider, PortId, ChargerId, SessionId, ConnectorId, SessionStart, SessionEnd,
        SessionError, ErrorOther, EnergyKwh, PowerKw, PaymentMethod, PaymentOther,
    ];

    private static readonly EvChartField[] Uptimes =
    [
        StationId, NetworkProvider, PortId, UptimeReportingStart, UptimeReportingEnd, Uptime, TotalOutage, TotalOutageExcl,
    ];

    private static readonly EvChartField[] Outages =
    [
        StationId, NetworkProvider, PortId, OutageId, OutageDuration, ExcludedOutage, ExcludedOutageReason, ExcludedOutageNotes,
    ];

    private static readonly EvChartField[] MaintenanceCosts =
    [
        StationId, NetworkProvider, ProjectId, MaintenanceReportStart, MaintenanceReportEnd, Caas,
        MaintenanceCostTotal, MaintenanceCostFederal, MaintenanceNotes,
    ];

    public static IReadOnlyList<EvChartField> Of(NeviModule module) => module switch
    {
        NeviModule.ChargingSessions => ChargingSessions,
        NeviModule.Uptime => Uptimes,
        NeviModule.Outages => Outages,
        NeviModule.MaintenanceCosts => MaintenanceCosts,
        _ => throw new ArgumentOutOfRangeException(nameof(module), module, "EV-ChART modules 2–5 only"),
    };

    /// <summary>
    /// The columns that identify a row: EV-ChART refuses a second row with the same values, in one upload or
    /// across uploads. It keys on the registered station, which station_id and network_provider name.
    /// </summary>
    public static IReadOnlyList<EvChartField> UniqueKey(NeviModule module) => module switch
    {
        NeviModule.ChargingSessions => [StationId, NetworkProvider, PortId, SessionId],
        NeviModule.Uptime => [StationId, NetworkProvider, PortId, UptimeReportingStart, UptimeReportingEnd],
        NeviModule.Outages => [StationId, NetworkProvider, PortId, OutageId],
        NeviModule.MaintenanceCosts => [StationId, NetworkProvider, MaintenanceReportStart],
        _ => throw new ArgumentOutOfRangeException(nameof(module), module, "EV-ChART modules 2–5 only"),
    };
}
