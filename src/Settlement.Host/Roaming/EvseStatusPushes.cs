using System.Globalization;
using System.Text.Json;
using Marten;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Tariffs;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Ledger;
using Settlement.Projections.Chargers;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Roaming;

/// <summary>
/// A charger reported a status, or dropped off or came back: every partner registered by then that receives Locations
/// is owed a PATCH of each EVSE concerned (a whole-charger report or a change of connection concerns them all). The
/// push names the EVSE as "{charger id}/{evse id}" and is rendered at send time by <see cref="EvseStatusPushRenderer"/>,
/// so a retry after an outage sends the status as it stands then.
/// </summary>
public sealed class EvseStatusPushes(Ledger.Ledger ledger, OcpiPushes pushes) : IOcpiReaction
{
    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(ConnectorStatusChanged), typeof(ChargerWentOffline), typeof(ChargerCameBackOnline)];

    public async Task ReactAsync(RecordedEvent recorded, CancellationToken ct)
    {
        var (chargerId, evseId) = recorded.Data switch
        {
            ConnectorStatusChanged changed => (changed.ChargerId, changed.EvseId),
            ChargerWentOffline offline => (offline.ChargerId, 0),
            ChargerCameBackOnline online => (online.ChargerId, 0),
            _ => throw new ArgumentException($"Not an EVSE status event: {recorded.Data.GetType().Name}", nameof(recorded)),
        };
        await using var query = ledger.QueryReadModels();
        // A charger no site holds is on no Location partners know.
        if (await query.LoadAsync<ChargerEntry>(StreamIds.Charger(chargerId), ct) is not { Registered: true, SiteId: not null } charger) return;
        var evses = charger.Evses.Select(e => e.EvseId).Where(id => evseId == 0 || id == evseId).ToList();
        if (evses.Count == 0) return;
        var partners = await query.Query<OcpiPartnerEntry>().Where(p => p.Status == OcpiPartnerStatus.Registered).ToListAsync(ct);
        foreach (var partner in partners.Where(p => p.RegisteredAt <= recorded.RecordedAt && p.EndpointUrl(LocationsModule.Module, OcpiInterfaceRole.Receiver) is not null))
            foreach (var evse in evses)
                await pushes.QueueAsync(partner.PartnerId, LocationsModule.Module, "PATCH", TariffScopes.EvseKey(chargerId, evse), recorded.Sequence, ct);
    }
}

/// <summary>
/// Renders an EVSE status push: <c>{status, last_updated}</c> PATCHed to the partner's Locations receiver at
/// <c>{url}/{our country}/{our party}/{location id}/{evse uid}</c>; nothing when the EVSE is no longer on a Location
/// or the partner stopped receiving Locations.
/// </summary>
public sealed class EvseStatusPushRenderer(Ledger.Ledger ledger, OcpiOptions options) : IOcpiPushRenderer
{
    public string Module => LocationsModule.Module;

    public async Task<OcpiPushMessage?> RenderAsync(OcpiPushEntry push, OcpiPartnerEntry partner, CancellationToken ct)
    {
        if (partner.EndpointUrl(Module, OcpiInterfaceRole.Receiver) is not { } receiver) return null;
        var slash = push.ObjectId.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(push.ObjectId[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var evseId)) return null;
        var chargerId = push.ObjectId[..slash];
        await using var query = ledger.QueryReadModels();
        if (await query.LoadAsync<ChargerEntry>(StreamIds.Charger(chargerId), ct) is not { Registered: true, SiteId: { } siteId } charger
            || charger.Evses.All(e => e.EvseId != evseId)
            || await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct) is not { Address: not null })
            return null;
        var statuses = await query.LoadAsync<EvseStatusEntry>(StreamIds.Charger(chargerId), ct);
        var url = $"{receiver.TrimEnd('/')}/{options.CountryCode}/{options.PartyId}/{Uri.EscapeDataString(siteId)}/{Uri.EscapeDataString(OcpiNetworkIds.EvseUid(chargerId, evseId))}";
        return new OcpiPushMessage(url, JsonSerializer.SerializeToNode(OcpiLocations.StatusPatch(charger, statuses, evseId), OcpiJson.Options));
    }
}
