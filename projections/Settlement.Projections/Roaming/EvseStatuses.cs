using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Projections.Roaming;

/// <summary>The last status a charger reported for one EVSE (0: the whole charger), from its last connector reporting.</summary>
public sealed record EvseStatusReport(int EvseId, ConnectorStatus Status, Instant ChangedAt);

/// <summary>
/// What partners are told about a charger's EVSEs right now: each EVSE's last reported status and whether the charger
/// is connected. Id: the charger's stream id. Kept apart from <see cref="Chargers.ChargerEntry"/> because status
/// reports are many and only roaming reads them back.
/// </summary>
public sealed record EvseStatusEntry(string Id, string ChargerId, bool Online, IReadOnlyList<EvseStatusReport> Reports, Instant? OnlineChangedAt)
{
    public EvseStatusEntry() : this("", "", false, [], null) { }

    /// <summary>
    /// The EVSE's status and when it was last told: the newest of its own report and the whole charger's; null while
    /// neither was reported.
    /// </summary>
    public EvseStatusReport? StatusOf(int evseId) =>
        Reports.Where(r => r.EvseId == evseId || r.EvseId == 0).MaxBy(r => r.ChangedAt);
}

/// <summary>Inline, so the status a push renders at send time is the one recorded before it was queued.</summary>
public sealed partial class EvseStatuses : SingleStreamProjection<EvseStatusEntry, string>
{
    public static EvseStatusEntry Apply(JasperFx.Events.IEvent<ConnectorStatusChanged> e, EvseStatusEntry entry) => entry with
    {
        Id = e.StreamKey!, ChargerId = e.Data.ChargerId,
        Reports = [.. entry.Reports.Where(r => r.EvseId != e.Data.EvseId), new EvseStatusReport(e.Data.EvseId, e.Data.Status, e.Data.ChangedAt)],
    };

    public static EvseStatusEntry Apply(JasperFx.Events.IEvent<ChargerBooted> e, EvseStatusEntry entry) => entry with
    {
        Id = e.StreamKey!, ChargerId = e.Data.ChargerId, Online = true, OnlineChangedAt = e.Data.BootedAt,
    };

    public static EvseStatusEntry Apply(JasperFx.Events.IEvent<ChargerWentOffline> e, EvseStatusEntry entry) => entry with
    {
        Id = e.StreamKey!, ChargerId = e.Data.ChargerId, Online = false, OnlineChangedAt = e.Data.DetectedAt,
    };

    public static EvseStatusEntry Apply(JasperFx.Events.IEvent<ChargerCameBackOnline> e, EvseStatusEntry entry) => entry with
    {
        Id = e.StreamKey!, ChargerId = e.Data.ChargerId, Online = true, OnlineChangedAt = e.Data.ReconnectedAt,
    };
}
