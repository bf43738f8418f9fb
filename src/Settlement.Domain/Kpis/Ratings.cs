using NodaTime;

namespace Settlement.Domain.Kpis;

/// <summary>Drivers' 1–5 star ratings; <see cref="AverageStars"/> to 2 dp, null when nobody rated.</summary>
public sealed record RatingSummary(int Count, decimal? AverageStars);

public static class Ratings
{
    /// <summary>Per site, the ratings given in [from, until): a rating belongs to when it was given, not to its session.</summary>
    public static IReadOnlyDictionary<string, RatingSummary> BySite(IEnumerable<ChargerHistory> chargers, Instant from, Instant until) =>
        chargers
            .GroupBy(charger => charger.Profile.SiteId)
            .ToDictionary(site => site.Key, site => For(site.SelectMany(charger => charger.Sessions), from, until));

    public static RatingSummary For(IEnumerable<SessionFacts> sessions, Instant from, Instant until)
    {
        var stars = sessions
            .Where(session => session is { Stars: not null, RatedAt: { } at } && at >= from && at < until)
            .Select(session => session.Stars!.Value)
            .ToList();
        return new RatingSummary(
            stars.Count,
            stars.Count == 0 ? null : Math.Round((decimal)stars.Sum() / stars.Count, 2, MidpointRounding.AwayFromZero));
    }
}
