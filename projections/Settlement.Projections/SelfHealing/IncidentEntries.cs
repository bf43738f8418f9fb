using JasperFx.Events;
using Marten.Events.Aggregation;
using Settlement.Domain.SelfHealing;

namespace Settlement.Projections.SelfHealing;

/// <summary>
/// One incident as the API lists it and the KPIs count it (<see cref="HealingKpis"/> reads <see cref="Incident"/>).
/// The fields beside <see cref="Incident"/> repeat what lists filter and page on, so they can be indexed columns.
/// </summary>
/// <param name="Id">The incident's stream key, "incident:{IncidentId}".</param>
/// <param name="SortKey">Opening time (fixed width) then incident id: the list's stable order and cursor.</param>
public sealed record IncidentEntry(
    string Id,
    string SortKey,
    string SiteId,
    string ChargerId,
    IncidentKind Kind,
    IncidentStatus Status,
    IncidentState Incident)
{
    public static IncidentEntry Of(IncidentState incident) => new(
        incident.Id, SortKeys.Of(incident.OpenedAt, incident.IncidentId), incident.SiteId, incident.ChargerId, incident.Kind,
        incident.Status, incident);
}

/// <summary>
/// Inline, so the self-healer reads back the incident it just opened or moved, and the API shows it at once. The fold is
/// the domain's own (<see cref="IncidentState.Evolve"/>): the ladder decides on exactly what is listed.
/// </summary>
public sealed partial class IncidentEntries : SingleStreamProjection<IncidentEntry, string>
{
    public override IncidentEntry? Evolve(IncidentEntry? entry, string id, IEvent e) => Evolve(entry, e.Data);

    /// <summary>The fold without Marten's envelope, for rebuilding and replay tests.</summary>
    public static IncidentEntry? Evolve(IncidentEntry? entry, object data) =>
        IncidentState.Evolve(entry?.Incident, data) is { } incident && !ReferenceEquals(incident, entry?.Incident)
            ? IncidentEntry.Of(incident)
            : entry;
}
