using Marten.Events.Aggregation;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Invoicing;

namespace Settlement.Projections.Chargers;

/// <summary>
/// A site as registered: where it is, the time zone its time-of-use prices are read in, and its taxing
/// jurisdiction once recorded (<see cref="JurisdictionVersion"/> locates that event in the site's stream).
/// </summary>
public sealed record SiteEntry(
    string Id,
    string SiteId,
    string Name,
    string CountryCode,
    string TimeZone,
    decimal Latitude,
    decimal Longitude)
{
    // Marten creates the entry before applying the stream's first event; the stream key fills the id.
    public SiteEntry() : this("", "", "", "", "", 0m, 0m) { }

    public SiteJurisdictionResolved? Jurisdiction { get; init; }

    public long? JurisdictionVersion { get; init; }

    /// <summary>Null for a site registered before addresses were asked for.</summary>
    public SiteAddress? Address { get; init; }

    public decimal GridCapacityKw { get; init; }

    public decimal? GridCapacityAmpsPerPhase { get; init; }

    public Instant RegisteredAt { get; init; }

    /// <summary>When the details last changed; null while they are as registered.</summary>
    public Instant? ChangedAt { get; init; }
}

/// <summary>Inline, so a tariff or price asked for right after a site is registered already finds its time zone.</summary>
public sealed partial class SiteDirectory : SingleStreamProjection<SiteEntry, string>
{
    public static SiteEntry Apply(JasperFx.Events.IEvent<SiteRegisteredV2> e, SiteEntry site) => site with
    {
        Id = e.StreamKey!, SiteId = e.Data.SiteId, Name = e.Data.Name, CountryCode = e.Data.CountryCode,
        TimeZone = e.Data.TimeZone, Latitude = e.Data.Latitude, Longitude = e.Data.Longitude, Address = e.Data.Address,
        GridCapacityKw = e.Data.GridCapacityKw, GridCapacityAmpsPerPhase = e.Data.GridCapacityAmpsPerPhase, RegisteredAt = e.Data.RegisteredAt,
    };

    public static SiteEntry Apply(SiteDetailsChanged e, SiteEntry site) => site with
    {
        Name = e.Name, CountryCode = e.CountryCode, TimeZone = e.TimeZone, Latitude = e.Latitude, Longitude = e.Longitude, Address = e.Address,
        GridCapacityKw = e.GridCapacityKw, GridCapacityAmpsPerPhase = e.GridCapacityAmpsPerPhase, ChangedAt = e.ChangedAt,
    };

    public static SiteEntry Apply(JasperFx.Events.IEvent<SiteJurisdictionResolved> e, SiteEntry site) =>
        site with { Jurisdiction = e.Data, JurisdictionVersion = e.Version };
}
