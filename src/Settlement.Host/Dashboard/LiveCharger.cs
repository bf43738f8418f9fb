using Marten;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Host.Chargers;
using Settlement.Projections.Chargers;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Dashboard;

/// <summary>A connector as the live feed shows it: its EVSE's last reported status and since when (null while none was reported).</summary>
public sealed record LiveConnector(int EvseId, int ConnectorId, ConnectorStatus? Status, Instant? Since);

/// <summary>
/// A charger's live status: presence, open faults and connector statuses. <see cref="ChangedAt"/> is when the ledger
/// recorded the change this answers (for a snapshot, the latest change the read models know of).
/// </summary>
public sealed record LiveCharger(
    string ChargerId, string? SiteId, string? Vendor, string? Model, string? FirmwareVersion, OcppVersion? Protocol,
    bool Online, int OpenFaults, IReadOnlyList<LiveConnector> Connectors, Instant? ChangedAt)
{
    /// <summary>
    /// The directory's entry and the EVSE statuses roaming already keeps inline (<see cref="EvseStatusEntry"/>): both are
    /// current when the event that changed them is committed, and filled for every ledger without a rebuild. They keep a
    /// status per EVSE, so each connector of an EVSE shows its EVSE's (OCPP 2.0.1 EVSEs report one status per connector,
    /// but only one connector of an EVSE can charge at a time).
    /// </summary>
    public static LiveCharger Of(ChargerEntry charger, EvseStatusEntry? statuses, Instant? changedAt)
    {
        var connectors = charger.Evses
            .SelectMany(evse => evse.Connectors.Select(connector => (evse.EvseId, connector.ConnectorId)))
            .Select(c => statuses?.StatusOf(c.EvseId) is { } report
                ? new LiveConnector(c.EvseId, c.ConnectorId, report.Status, report.ChangedAt)
                : new LiveConnector(c.EvseId, c.ConnectorId, null, null))
            .ToList();
        Instant?[] known = [changedAt, charger.RegisteredAt, charger.LastBootAt, statuses?.OnlineChangedAt, .. statuses?.Reports.Select(r => (Instant?)r.ChangedAt) ?? []];
        return new LiveCharger(charger.ChargerId, charger.SiteId, charger.Vendor, charger.Model, charger.FirmwareVersion, charger.Protocol,
            charger.Online, charger.OpenFaults, connectors, changedAt ?? known.Max());
    }

    /// <summary>Every charger of <paramref name="visibleSites"/> (null: all), as <c>GET /api/chargers</c> lists them, read a page at a time.</summary>
    public static async Task<IReadOnlyList<LiveCharger>> SnapshotAsync(Ledger.Ledger ledger, IReadOnlySet<string>? visibleSites, CancellationToken ct)
    {
        const int pageSize = 500;
        var chargers = new List<LiveCharger>();
        string? after = null;
        do
        {
            var page = await ChargerEndpoints.ListAsync(ledger, visibleSites, siteId: null, after, pageSize, ct);
            chargers.AddRange(await OfAsync(ledger, page.Items, changedAt: null, ct));
            after = page.Next is { } next ? Paging.After(next) : null;
        } while (after is not null);
        return chargers;
    }

    /// <summary>The live status of <paramref name="chargers"/>, their EVSE statuses read in one query.</summary>
    public static async Task<IReadOnlyList<LiveCharger>> OfAsync(Ledger.Ledger ledger, IReadOnlyList<ChargerEntry> chargers,
        Func<string, Instant?>? changedAt, CancellationToken ct)
    {
        if (chargers.Count == 0) return [];
        await using var query = ledger.QueryReadModels();
        var statuses = (await query.LoadManyAsync<EvseStatusEntry>(ct, chargers.Select(c => c.Id).ToArray())).ToDictionary(s => s.Id);
        return [.. chargers.Select(c => Of(c, statuses.GetValueOrDefault(c.Id), changedAt?.Invoke(c.ChargerId)))];
    }
}
