using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.TimeZones;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing.Jurisdictions;

namespace Settlement.Domain.Chargers;

/// <summary>What the operator states about a site, on registering it and on every change.</summary>
public sealed record SiteDetails(
    string Name, SiteAddress Address, decimal Latitude, decimal Longitude, string TimeZone,
    decimal GridCapacityKw, decimal? GridCapacityAmpsPerPhase = null);

public sealed record RegisterSite(string SiteId, SiteDetails Details);

public sealed record ChangeSiteDetails(string SiteId, SiteDetails Details);

/// <summary>What deciding about a site needs: whether it is registered, and its details as last recorded.</summary>
public sealed record SiteState(bool Registered, SiteDetails? Details)
{
    public static readonly SiteState Unregistered = new(false, null);
}

/// <summary>
/// Registering and changing sites. A site's time zone prices its time-of-use periods and its position decides its
/// taxes, so the two must agree: the zone has to be one of the country the position lies in (or, near a border,
/// of a neighbour within <see cref="JurisdictionResolver.BorderToleranceKm"/>), and so does the address's country.
/// </summary>
public static partial class SiteRegistration
{
    public const int MaxIdLength = 64;
    public const int MaxNameLength = 200;
    public const decimal MaxGridCapacityKw = 100_000m;
    public const decimal MaxGridCapacityAmpsPerPhase = 100_000m;

    public static SiteState Evolve(SiteState state, object @event) => @event switch
    {
        SiteRegisteredV2 e => new SiteState(true, e.Address is null ? null
            : new SiteDetails(e.Name, e.Address, e.Latitude, e.Longitude, e.TimeZone, e.GridCapacityKw, e.GridCapacityAmpsPerPhase)),
        SiteDetailsChanged e => state with
        {
            Details = new SiteDetails(e.Name, e.Address, e.Latitude, e.Longitude, e.TimeZone, e.GridCapacityKw, e.GridCapacityAmpsPerPhase),
        },
        _ => state,
    };

    public static Decision Decide(SiteState state, RegisterSite command, JurisdictionResolver boundaries, Instant now)
    {
        if (!IdPattern().IsMatch(command.SiteId ?? ""))
            return Decision.Refuse(RefusalKind.Invalid,
                $"siteId: 1 to {MaxIdLength} letters, digits, '.', '_' or '-', starting with a letter or digit, such as DE-MUC.");
        if (Problems(command.Details, boundaries) is { } refusal) return refusal;
        if (state.Registered) return Decision.Refuse(RefusalKind.Conflict, $"Site {command.SiteId} is already registered; change it with PUT /api/sites/{command.SiteId}.");
        var d = command.Details;
        return Decision.Accept(new SiteRegisteredV2(command.SiteId!, d.Name, d.Address, d.Address.CountryCode, d.TimeZone, d.Latitude, d.Longitude,
            d.GridCapacityKw, d.GridCapacityAmpsPerPhase, now));
    }

    public static Decision Decide(SiteState state, ChangeSiteDetails command, JurisdictionResolver boundaries, Instant now)
    {
        if (!state.Registered) return Decision.Refuse(RefusalKind.NotFound, $"Site {command.SiteId} is not registered; register it with POST /api/sites.");
        if (Problems(command.Details, boundaries) is { } refusal) return refusal;
        var d = command.Details;
        // The same details again (a client retrying) change nothing.
        if (d == state.Details) return Decision.Accept();
        return Decision.Accept(new SiteDetailsChanged(command.SiteId, d.Name, d.Address, d.Address.CountryCode, d.TimeZone, d.Latitude, d.Longitude,
            d.GridCapacityKw, d.GridCapacityAmpsPerPhase, now));
    }

    /// <summary>Every problem with the details: their shape first (400), then whether zone, address and position agree (422).</summary>
    private static Decision? Problems(SiteDetails? details, JurisdictionResolver boundaries)
    {
        if (details is null) return Decision.Refuse(RefusalKind.Invalid, "The site's details are missing.");
        var shape = ShapeProblems(details).ToList();
        if (shape.Count > 0) return Decision.Refuse(RefusalKind.Invalid, shape);
        var consistency = ConsistencyProblems(details, boundaries).ToList();
        return consistency.Count > 0 ? Decision.Refuse(RefusalKind.Unprocessable, consistency) : null;
    }

    private static IEnumerable<string> ShapeProblems(SiteDetails d)
    {
        if (string.IsNullOrWhiteSpace(d.Name) || d.Name.Length > MaxNameLength)
            yield return $"name: 1 to {MaxNameLength} characters.";
        if (d.Address is null)
            yield return "address: an object with street, postalCode, city and countryCode.";
        else
        {
            if (string.IsNullOrWhiteSpace(d.Address.Street) || d.Address.Street.Length > 200) yield return "address.street: 1 to 200 characters.";
            if (string.IsNullOrWhiteSpace(d.Address.PostalCode) || d.Address.PostalCode.Length > 20) yield return "address.postalCode: 1 to 20 characters.";
            if (string.IsNullOrWhiteSpace(d.Address.City) || d.Address.City.Length > 100) yield return "address.city: 1 to 100 characters.";
            if (!CountryPattern().IsMatch(d.Address.CountryCode ?? "")) yield return "address.countryCode: two capital letters (ISO 3166-1), such as DE.";
        }
        if (d.Latitude is < -90m or > 90m) yield return $"latitude: decimal degrees from -90 to 90, not {d.Latitude}.";
        if (d.Longitude is < -180m or > 180m) yield return $"longitude: decimal degrees from -180 to 180, not {d.Longitude}.";
        if (d.GridCapacityKw is <= 0m or > MaxGridCapacityKw)
            yield return $"gridCapacityKw: the grid connection's limit in kW, more than 0 and at most {MaxGridCapacityKw}, not {d.GridCapacityKw}.";
        if (d.GridCapacityAmpsPerPhase is <= 0m or > MaxGridCapacityAmpsPerPhase)
            yield return $"gridCapacityAmpsPerPhase: when given, amperes per phase, more than 0 and at most {MaxGridCapacityAmpsPerPhase}, not {d.GridCapacityAmpsPerPhase}.";
        if (string.IsNullOrEmpty(d.TimeZone) || d.TimeZone.Length > 64 || DateTimeZoneProviders.Tzdb.GetZoneOrNull(d.TimeZone) is null)
            yield return $"timeZone: an IANA time zone id such as Europe/Berlin, not '{Shortened(d.TimeZone)}'.";
    }

    private static IEnumerable<string> ConsistencyProblems(SiteDetails d, JurisdictionResolver boundaries)
    {
        if (boundaries.Resolve(d.Latitude, d.Longitude) is not { } match)
        {
            yield return $"latitude/longitude: ({d.Latitude}, {d.Longitude}) lies in no country of the bundled boundaries (out at sea?); check the position.";
            yield break;
        }
        // Near a border the boundaries cannot settle the side, so a neighbour's zone and address are accepted too.
        var countries = new[] { match.CountryCode }.Concat(match.NearBorderWith.Select(j => j[..2])).Distinct().ToList();
        var where = countries.Count == 1 ? countries[0] : $"{match.CountryCode} (or near the border, {string.Join(", ", countries.Skip(1))})";
        if (!countries.Any(country => ZoneBelongsTo(d.TimeZone, country)))
            yield return $"timeZone: {d.TimeZone} is not a time zone of {where}, where latitude/longitude lie; use one of {string.Join(", ", ZonesOf(match.CountryCode))}.";
        if (!countries.Contains(d.Address.CountryCode))
            yield return $"address.countryCode: {d.Address.CountryCode} is not {where}, where latitude/longitude lie.";
    }

    /// <summary>The zone ids tzdb places in the country (zone.tab), in ordinal order.</summary>
    public static IReadOnlyList<string> ZonesOf(string countryCode) =>
        [.. (TzdbDateTimeZoneSource.Default.ZoneLocations ?? []).Where(z => z.CountryCode == countryCode).Select(z => z.ZoneId).Order(StringComparer.Ordinal)];

    /// <summary>Whether the zone, or the zone it is an alias of, is one tzdb places in the country.</summary>
    private static bool ZoneBelongsTo(string zoneId, string countryCode)
    {
        var canonical = TzdbDateTimeZoneSource.Default.CanonicalIdMap;
        var target = canonical.TryGetValue(zoneId, out var c) ? c : zoneId;
        return ZonesOf(countryCode).Any(z => z == zoneId || (canonical.TryGetValue(z, out var zc) ? zc : z) == target);
    }

    private static string Shortened(string? text) => text is null ? "" : text.Length > 64 ? text[..64] + "…" : text;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryPattern();
}
