using JasperFx.Events;
using Marten.Events.Projections;
using Settlement.Domain.Chargers;
using Settlement.Domain.Kpis;

namespace Settlement.Projections.Kpis;

/// <summary>
/// A charger's availability facts, a document per charger and UTC month of the fact's own time, so a
/// document stays small however long the charger lives and a rebuild rewrites little. Async: KPIs
/// never slow down what chargers report.
/// </summary>
public sealed partial class ChargerKpiFacts : MultiStreamProjection<ChargerMonthFacts, string>
{
    public const string ProjectionName = nameof(ChargerKpiFacts);

    public ChargerKpiFacts()
    {
        Name = ProjectionName;
        KpiPaging.Apply(Options);
        Identity<ConnectorStatusChanged>(KeyOf);
        Identity<ChargerWentOffline>(KeyOf);
        Identity<ChargerCameBackOnline>(KeyOf);
        Identity<ChargerBooted>(KeyOf);
        Identity<FaultReported>(KeyOf);
        Identity<FaultCleared>(KeyOf);
        Identity<MaintenancePlanned>(KeyOf);
        Identity<MaintenanceEnded>(KeyOf);
        Identity<FirmwareStatusReported>(KeyOf);
        Identity<OutageCauseTagged>(KeyOf);
    }

    public static readonly Type[] EventTypes =
    [
        typeof(ConnectorStatusChanged), typeof(ChargerWentOffline), typeof(ChargerCameBackOnline), typeof(ChargerBooted),
        typeof(FaultReported), typeof(FaultCleared), typeof(MaintenancePlanned), typeof(MaintenanceEnded),
        typeof(FirmwareStatusReported), typeof(OutageCauseTagged),
    ];

    /// <summary>Whether an event is one this projection turns into a fact.</summary>
    public static bool Handles(object data) => FactOf(data).Fact is not null;

    /// <summary>The document an event's fact belongs to: its charger and the UTC month of the fact's time.</summary>
    public static string KeyOf(object data) => FactOf(data) is (var chargerId, { } fact) ? ChargerMonthFacts.KeyOf(chargerId, fact.At) : "";

    public override ChargerMonthFacts? Evolve(ChargerMonthFacts? month, string key, IEvent e) => Evolve(month, key, e.Data);

    public static ChargerMonthFacts? Evolve(ChargerMonthFacts? month, string key, object data)
    {
        var (chargerId, fact) = FactOf(data);
        if (fact is null) return month;
        var current = month ?? new ChargerMonthFacts(key, chargerId, ChargerMonthFacts.MonthOf(fact.At), []);
        return current with { Facts = [.. current.Facts, fact] };
    }

    /// <summary>The fact an event states about its charger; none for an event (or a boot without firmware version) that says nothing KPIs use.</summary>
    public static (string ChargerId, ChargerFact? Fact) FactOf(object data) => data switch
    {
        ConnectorStatusChanged e => (e.ChargerId, new(ChargerFactKind.Status, e.ChangedAt, e.EvseId, Status: e.Status)),
        ChargerWentOffline e => (e.ChargerId, new(ChargerFactKind.WentOffline, e.LastSeenAt, 0)),
        ChargerCameBackOnline e => (e.ChargerId, new(ChargerFactKind.CameOnline, e.ReconnectedAt, 0)),
        ChargerBooted { FirmwareVersion: { } version } e => (e.ChargerId, new(ChargerFactKind.Firmware, e.BootedAt, 0, Code: version)),
        FaultReported e => (e.ChargerId, new(ChargerFactKind.FaultRaised, e.ReportedAt, e.EvseId, Code: e.ErrorCode, Notes: e.Info)),
        FaultCleared e => (e.ChargerId, new(ChargerFactKind.FaultCleared, e.ClearedAt, e.EvseId, Code: e.ErrorCode)),
        MaintenancePlanned e => (e.ChargerId, new(ChargerFactKind.MaintenancePlanned, e.From, e.EvseId, Code: e.MaintenanceId, Until: e.Until, Notes: e.Reason)),
        MaintenanceEnded e => (e.ChargerId, new(ChargerFactKind.MaintenanceEnded, e.EndedAt, 0, Code: e.MaintenanceId)),
        FirmwareStatusReported { Status: FirmwareStatus.Installed, FirmwareVersion: { } version } e =>
            (e.ChargerId, new(ChargerFactKind.Firmware, e.ReportedAt, 0, Code: version)),
        OutageCauseTagged e => (e.ChargerId, new(ChargerFactKind.OutageCauseTagged, e.From, e.EvseId, Until: e.Until, Cause: e.Cause, Notes: e.Notes)),
        _ => ("", null),
    };
}
