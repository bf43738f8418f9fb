using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Tariffs;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Projections.Chargers;
using Settlement.Projections.Roaming;
using Settlement.Projections.Tariffs;

namespace Settlement.Host.Roaming;

// OCPI 2.2.1 module "Locations", objects as the spec names them (OcpiJson writes them in snake_case).

public sealed record OcpiLocation(
    string CountryCode, string PartyId, string Id, bool Publish, string? Name, string Address, string City, string? PostalCode,
    string Country, OcpiGeoLocation Coordinates, IReadOnlyList<OcpiEvse> Evses, string TimeZone, OcpiHours OpeningTimes,
    Instant LastUpdated);

public sealed record OcpiGeoLocation(string Latitude, string Longitude);

public sealed record OcpiHours(bool Twentyfourseven);

public sealed record OcpiEvse(string Uid, string? EvseId, string Status, IReadOnlyList<OcpiConnector> Connectors, Instant LastUpdated);

public sealed record OcpiConnector(
    string Id, string Standard, string Format, string PowerType, int MaxVoltage, int MaxAmperage, int MaxElectricPower,
    IReadOnlyList<string>? TariffIds, Instant LastUpdated);

/// <summary>The part of an EVSE a status push sends (PATCH): its status and when that was last told.</summary>
public sealed record OcpiEvseStatusPatch(string Status, Instant LastUpdated);

/// <summary>
/// Our sites as OCPI Locations: location id = site id; one EVSE per charger EVSE, uid "{charger id}*{evse id}" (a
/// digest of the charger id when that would pass the spec's 36 characters) and eMI3 EVSE id
/// "{country}*{party}*E{charger id}*{evse id}" (left out when the charger id does not fit eMI3); connectors by their
/// number. A site registered before addresses were asked for is no Location (OCPI requires the address).
/// Sites, chargers, statuses and tariffs are read whole for every list: fine for the hundreds of sites an operator
/// has; a network of tens of thousands would want a Location read model kept by the ledger.
/// </summary>
public static class OcpiLocations
{
    public static string? EvseId(OcpiOptions options, string chargerId, int evseId)
    {
        var id = $"{options.CountryCode}*{options.PartyId}*E{chargerId.ToUpperInvariant()}*{evseId}";
        // eMI3: E, then up to 30 of A-Z, 0-9 and '*'.
        return chargerId.All(char.IsAsciiLetterOrDigit) && id.Length - options.CountryCode.Length - options.PartyId.Length - 3 <= 30 ? id : null;
    }

    /// <summary>
    /// OCPI's EvseStatus from the charger's last report: UNKNOWN while the charger is offline or has said nothing
    /// (the spec's meaning of UNKNOWN), CHARGING for every state of a session in progress.
    /// </summary>
    public static string Status(EvseStatusEntry? statuses, int evseId) =>
        statuses is not { Online: true } || statuses.StatusOf(evseId) is not { } report ? "UNKNOWN" : report.Status switch
        {
            ConnectorStatus.Available => "AVAILABLE",
            ConnectorStatus.Reserved => "RESERVED",
            ConnectorStatus.Unavailable => "INOPERATIVE",
            ConnectorStatus.Faulted => "OUTOFORDER",
            ConnectorStatus.Preparing or ConnectorStatus.Charging or ConnectorStatus.SuspendedEV or ConnectorStatus.SuspendedEVSE
                or ConnectorStatus.Finishing or ConnectorStatus.Occupied => "CHARGING",
            _ => "UNKNOWN",
        };

    /// <summary>When the EVSE's status was last told: its last report, or the charger connecting or dropping since.</summary>
    public static Instant StatusUpdated(ChargerEntry charger, EvseStatusEntry? statuses, int evseId) =>
        new[] { charger.RegisteredAt, statuses?.StatusOf(evseId)?.ChangedAt, statuses?.OnlineChangedAt }.OfType<Instant>().DefaultIfEmpty().Max();

    public static OcpiEvseStatusPatch StatusPatch(ChargerEntry charger, EvseStatusEntry? statuses, int evseId) =>
        new(Status(statuses, evseId), StatusUpdated(charger, statuses, evseId));

    /// <summary>The Location of a site with its registered chargers; null for a site without an address.</summary>
    public static OcpiLocation? Render(SiteEntry site, IEnumerable<ChargerEntry> chargers, IReadOnlyDictionary<string, EvseStatusEntry> statuses,
        TariffCatalogue tariffs, OcpiOptions options, Instant now)
    {
        if (site.Address is not { } address || IsoCountries.Alpha3(site.CountryCode) is not { } country) return null;
        var evses = chargers.OrderBy(c => c.ChargerId, StringComparer.Ordinal)
            .SelectMany(charger => charger.Evses.Select(evse => RenderEvse(site, charger, evse, statuses.GetValueOrDefault(charger.Id), tariffs, options, now)))
            .ToList();
        var siteUpdated = site.ChangedAt ?? site.RegisteredAt;
        return new OcpiLocation(options.CountryCode, options.PartyId, site.SiteId, Publish: true, Cut(site.Name, 255), Cut(address.Street, 45)!,
            Cut(address.City, 45)!, Cut(address.PostalCode, 10), country,
            new OcpiGeoLocation(Coordinate(site.Latitude), Coordinate(site.Longitude)), evses, site.TimeZone, new OcpiHours(Twentyfourseven: true),
            evses.Select(e => e.LastUpdated).Append(siteUpdated).Max());
    }

    private static OcpiEvse RenderEvse(SiteEntry site, ChargerEntry charger, EvseSpecification evse, EvseStatusEntry? statuses,
        TariffCatalogue tariffs, OcpiOptions options, Instant now)
    {
        var configured = charger.RegisteredAt ?? site.RegisteredAt;
        // The tariffs in force for this EVSE now, for drivers without a customer group.
        var tariffIds = tariffs.InForce(new EvseLocation(site.SiteId, charger.ChargerId, evse.EvseId), null, now, now + Duration.FromSeconds(1))
            .Select(s => s.Tariff.TariffId).Distinct().ToList();
        var connectors = evse.Connectors.OrderBy(c => c.ConnectorId)
            .Select(c => Connector(c, tariffIds.Count > 0 ? tariffIds : null, configured)).ToList();
        return new OcpiEvse(OcpiNetworkIds.EvseUid(charger.ChargerId, evse.EvseId), EvseId(options, charger.ChargerId, evse.EvseId), Status(statuses, evse.EvseId),
            connectors, Instant.Max(configured, StatusUpdated(charger, statuses, evse.EvseId)));
    }

    /// <summary>
    /// The connector as OCPI describes it. Voltages are the nominal ones of each standard (OCPI: line to neutral for AC);
    /// amperes follow from the power (per phase for three-phase AC), rounded up.
    /// </summary>
    private static OcpiConnector Connector(ConnectorSpecification connector, IReadOnlyList<string>? tariffIds, Instant updated)
    {
        var (standard, format, powerType) = OcpiNetworkIds.Connector(connector.Standard);
        var (volts, phases) = connector.Standard switch
        {
            ConnectorStandard.Type2 => (230, 3),
            ConnectorStandard.Type1 => (240, 1),
            ConnectorStandard.Ccs2 or ConnectorStandard.Ccs1 => (920, 1),
            _ => (500, 1),
        };
        var watts = (int)Math.Round(connector.MaxPowerKw * 1000m, MidpointRounding.AwayFromZero);
        var amperes = (int)Math.Ceiling(connector.MaxPowerKw * 1000m / (volts * phases));
        return new OcpiConnector(connector.ConnectorId.ToString(CultureInfo.InvariantCulture), standard, format, powerType, volts, amperes, watts, tariffIds, updated);
    }

    // OCPI's GeoLocation: a decimal point and 5 to 7 decimals.
    private static string Coordinate(decimal degrees) => degrees.ToString("F6", CultureInfo.InvariantCulture);

    private static string? Cut(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    /// <summary>Every Location, in site id order, with what rendering them needs read once.</summary>
    public static async Task<IReadOnlyList<OcpiLocation>> AllAsync(IQuerySession query, OcpiOptions options, Instant now, CancellationToken ct)
    {
        var sites = await query.Query<SiteEntry>().Where(s => s.SiteId != "").OrderBy(s => s.SiteId).ToListAsync(ct);
        var chargers = (await query.Query<ChargerEntry>().Where(c => c.Registered && c.SiteId != null).ToListAsync(ct))
            .ToLookup(c => c.SiteId!);
        var statuses = (await query.Query<EvseStatusEntry>().ToListAsync(ct)).ToDictionary(s => s.Id);
        var tariffs = TariffCatalogue.Of(await query.Query<TariffHistory>().ToListAsync(ct));
        return [.. sites.OrderBy(s => s.SiteId, StringComparer.Ordinal)
            .Select(site => Render(site, chargers[site.SiteId], statuses, tariffs, options, now)).OfType<OcpiLocation>()];
    }

    /// <summary>One Location, or null when the site is unknown or has no address.</summary>
    public static async Task<OcpiLocation?> OneAsync(IQuerySession query, string siteId, OcpiOptions options, Instant now, CancellationToken ct)
    {
        if (await query.LoadAsync<SiteEntry>(StreamIds.Site(siteId), ct) is not { } site) return null;
        var chargers = await query.Query<ChargerEntry>().Where(c => c.Registered && c.SiteId == siteId).ToListAsync(ct);
        var chargerIds = chargers.Select(c => c.Id).ToArray();
        var statuses = (await query.Query<EvseStatusEntry>().Where(s => s.Id.IsOneOf(chargerIds)).ToListAsync(ct)).ToDictionary(s => s.Id);
        var tariffs = TariffCatalogue.Of(await query.Query<TariffHistory>().ToListAsync(ct));
        return Render(site, chargers, statuses, tariffs, options, now);
    }
}

/// <summary>
/// OCPI 2.2.1 Locations, we as SENDER: partners GET our Locations page by page, or one Location, EVSE or connector
/// (2003 for one we do not have). EVSE status changes are pushed (<see cref="EvseStatusPushes"/>).
/// </summary>
public static class LocationsModule
{
    public const string Module = "locations";

    public static void MapLocations(this IEndpointRouteBuilder ocpi)
    {
        var locations = ocpi.MapGroup($"/{OcpiRoutes.Version}/{Module}").WithMetadata(new OcpiModuleMetadata(Module));

        locations.MapGet("", async (HttpContext context, Ledger.Ledger ledger, OcpiOptions options, IClock clock, CancellationToken ct) =>
        {
            var (page, refusal) = OcpiPageQuery.Read(context.Request);
            if (page is null) return refusal!;
            await using var query = ledger.QueryReadModels();
            var all = await OcpiLocations.AllAsync(query, options, clock.GetCurrentInstant(), ct);
            return page.Answer(context, options, [.. all.Where(l => page.Covers(l.LastUpdated))]);
        });

        locations.MapGet("/{locationId}", async (string locationId, HttpContext context, Ledger.Ledger ledger, OcpiOptions options, IClock clock, CancellationToken ct) =>
        {
            OcpiResults.About(context, locationId);
            return await FindAsync(ledger, locationId, options, clock, ct) is { } location
                ? OcpiResults.Ok(location)
                : OcpiResults.UnknownLocation($"No location '{Shown(locationId)}'.");
        });

        locations.MapGet("/{locationId}/{evseUid}", async (string locationId, string evseUid, HttpContext context, Ledger.Ledger ledger, OcpiOptions options,
            IClock clock, CancellationToken ct) =>
        {
            OcpiResults.About(context, $"{locationId}/{evseUid}");
            if (await FindAsync(ledger, locationId, options, clock, ct) is not { } location)
                return OcpiResults.UnknownLocation($"No location '{Shown(locationId)}'.");
            return location.Evses.FirstOrDefault(e => e.Uid == evseUid) is { } evse
                ? OcpiResults.Ok(evse)
                : OcpiResults.UnknownLocation($"Location '{location.Id}' has no EVSE '{Shown(evseUid)}'.");
        });

        locations.MapGet("/{locationId}/{evseUid}/{connectorId}", async (string locationId, string evseUid, string connectorId, HttpContext context,
            Ledger.Ledger ledger, OcpiOptions options, IClock clock, CancellationToken ct) =>
        {
            OcpiResults.About(context, $"{locationId}/{evseUid}/{connectorId}");
            if (await FindAsync(ledger, locationId, options, clock, ct) is not { } location)
                return OcpiResults.UnknownLocation($"No location '{Shown(locationId)}'.");
            if (location.Evses.FirstOrDefault(e => e.Uid == evseUid) is not { } evse)
                return OcpiResults.UnknownLocation($"Location '{location.Id}' has no EVSE '{Shown(evseUid)}'.");
            return evse.Connectors.FirstOrDefault(c => c.Id == connectorId) is { } connector
                ? OcpiResults.Ok(connector)
                : OcpiResults.UnknownLocation($"EVSE '{evse.Uid}' has no connector '{Shown(connectorId)}'.");
        });
    }

    // Ids are CiString(36) in OCPI: a longer one names nothing of ours, and is not looked up.
    private static async Task<OcpiLocation?> FindAsync(Ledger.Ledger ledger, string locationId, OcpiOptions options, IClock clock, CancellationToken ct)
    {
        if (locationId.Length > 36) return null;
        await using var query = ledger.QueryReadModels();
        return await OcpiLocations.OneAsync(query, locationId, options, clock.GetCurrentInstant(), ct);
    }

    private static string Shown(string id) => id.Length > 36 ? id[..36] + "…" : id;
}
