using NodaTime;

namespace Settlement.Domain.Tariffs;

/// <summary>
/// A published tariff version and the position of its TariffPublished event in the tariff's stream, for
/// audit: known the moment it is appended, which a global sequence is not to inline projections.
/// </summary>
public sealed record PublishedVersion(TariffPublished Tariff, long StreamVersion);

/// <summary>
/// Everything recorded on one tariff stream ("tariff:{id}"), folded in order. Kept whole rather than
/// reduced to "the current price", because prices are asked for any instant, past or future. The
/// projections store it as a document, so it is plain lists that System.Text.Json round-trips.
/// </summary>
public sealed record TariffHistory(
    string Id,
    IReadOnlyList<PublishedVersion> Versions,
    IReadOnlyList<TariffSuperseded> Supersessions,
    IReadOnlyList<TariffAssigned> Assignments)
{
    public static TariffHistory Empty(string tariffId) => new(tariffId, [], [], []);

    public TariffHistory Apply(object @event, long streamVersion) => @event switch
    {
        TariffPublished e => this with { Versions = [.. Versions, new PublishedVersion(e, streamVersion)] },
        TariffSuperseded e => this with { Supersessions = [.. Supersessions, e] },
        TariffAssigned e => this with { Assignments = [.. Assignments, e] },
        _ => this,
    };

    /// <summary>The number of the last version published; 0 before the first.</summary>
    public int LatestVersionNumber() => Versions.Count == 0 ? 0 : Versions.Max(v => v.Tariff.Version);

    /// <summary>
    /// When a version stops being in force: its own valid_until or the first supersession of it,
    /// whichever comes first; null while it is open-ended.
    /// </summary>
    public Instant? EffectiveUntil(TariffPublished version)
    {
        var until = version.ValidUntil;
        foreach (var supersession in Supersessions)
            if (supersession.SupersededVersion == version.Version && (until is null || supersession.EffectiveFrom < until))
                until = supersession.EffectiveFrom;
        return until;
    }

    /// <summary>
    /// The periods in which each version is in force, in time order and never overlapping: at any
    /// instant the highest version whose effective window contains it. The period of a version without
    /// an end runs to <see cref="Instant.MaxValue"/>; instants covered by no version are absent.
    /// </summary>
    public IReadOnlyList<TariffSpan> Timeline()
    {
        var windows = Versions
            .Select(v => (Version: v, From: v.Tariff.ValidFrom, Until: EffectiveUntil(v.Tariff) ?? Instant.MaxValue))
            .Where(w => w.From < w.Until)
            .ToList();
        var boundaries = windows.SelectMany(w => new[] { w.From, w.Until }).Distinct().Order().ToList();

        var timeline = new List<TariffSpan>();
        for (var i = 0; i + 1 < boundaries.Count; i++)
        {
            var (from, until) = (boundaries[i], boundaries[i + 1]);
            // No window starts or ends strictly inside [from, until), so whoever wins at its start wins throughout.
            var winner = windows
                .Where(w => w.From <= from && from < w.Until)
                .Select(w => w.Version)
                .MaxBy(v => v.Tariff.Version);
            if (winner is null) continue;
            if (timeline.Count > 0 && timeline[^1] is var last && last.Until == from && last.Tariff.Version == winner.Tariff.Version)
                timeline[^1] = last with { Until = until };
            else
                timeline.Add(new TariffSpan(from, until, winner.Tariff, winner.StreamVersion));
        }
        return timeline;
    }
}
