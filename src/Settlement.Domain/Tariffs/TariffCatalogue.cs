using NodaTime;

namespace Settlement.Domain.Tariffs;

public static class TariffScopes
{
    /// <summary>The scope id of an EVSE-level assignment.</summary>
    public static string EvseKey(string chargerId, int evseId) => $"{chargerId}/{evseId}";
}

public sealed record EvseLocation(string SiteId, string ChargerId, int EvseId)
{
    public string EvseKey => TariffScopes.EvseKey(ChargerId, EvseId);
}

/// <summary>
/// Which tariff version prices an EVSE at any instant, resolved from every tariff's history. Built once
/// and queried many times (pricing a million sessions), so the timelines are computed up front.
/// </summary>
public sealed class TariffCatalogue
{
    private readonly Dictionary<string, IReadOnlyList<TariffSpan>> timelines;
    private readonly Dictionary<(TariffScope Scope, string ScopeId), TariffAssigned[]> assignments;

    private TariffCatalogue(
        Dictionary<string, IReadOnlyList<TariffSpan>> timelines,
        Dictionary<(TariffScope, string), TariffAssigned[]> assignments)
    {
        this.timelines = timelines;
        this.assignments = assignments;
    }

    public static TariffCatalogue Of(IEnumerable<TariffHistory> tariffs)
    {
        var histories = tariffs.ToList();
        var timelines = histories.ToDictionary(h => h.Id, h => h.Timeline(), StringComparer.Ordinal);
        // Latest assigned first, so the first assignment covering an instant is the one that wins there.
        // Equal AssignedAt in different tariffs is a tie no rule settles; the order is merely stable.
        var assignments = histories
            .SelectMany(h => h.Assignments.Select((assignment, position) => (Assignment: assignment, Position: position)))
            .OrderByDescending(a => a.Assignment.AssignedAt)
            .ThenByDescending(a => a.Position)
            .ThenBy(a => a.Assignment.TariffId, StringComparer.Ordinal)
            .GroupBy(a => (a.Assignment.Scope, a.Assignment.ScopeId))
            .ToDictionary(g => g.Key, g => g.Select(a => a.Assignment).ToArray());
        return new TariffCatalogue(timelines, assignments);
    }

    /// <summary>
    /// The version of a tariff in force at an instant, spanning the whole period it stays in force
    /// (Until is <see cref="Instant.MaxValue"/> when it has no end); null when none is.
    /// </summary>
    public TariffSpan? VersionInForce(string tariffId, Instant at) =>
        timelines.TryGetValue(tariffId, out var timeline) ? timeline.FirstOrDefault(s => s.From <= at && at < s.Until) : null;

    /// <summary>
    /// The tariff versions in force for this EVSE over [from, until), in time order, each clipped to that
    /// range. Adjacent periods of the same version are one span. Gaps (no tariff) are simply absent.
    /// </summary>
    /// <remarks>
    /// At each instant the winning assignment decides the tariff: a customer group's (when given) over
    /// the EVSE's over the site's, and within one scope the latest assigned. When the winning
    /// assignment's tariff has no version in force, that time is a gap rather than a fall-back to a
    /// lower scope, so a lapsed special tariff never silently charges the general price.
    /// </remarks>
    public IReadOnlyList<TariffSpan> InForce(EvseLocation evse, string? customerGroup, Instant from, Instant until)
    {
        var candidates = Candidates(evse, customerGroup);
        var spans = new List<TariffSpan>();
        for (var cursor = from; cursor < until;)
        {
            var (tariffId, next) = WinnerAt(candidates, cursor, until);
            if (tariffId is not null && timelines.TryGetValue(tariffId, out var timeline))
                foreach (var period in timeline)
                {
                    var start = Instant.Max(period.From, cursor);
                    var end = Instant.Min(period.Until, next);
                    if (start < end) Append(spans, period with { From = start, Until = end });
                }
            cursor = next;
        }
        return spans;
    }

    /// <summary>The assignments that may apply to the EVSE, highest precedence scope first.</summary>
    private TariffAssigned[][] Candidates(EvseLocation evse, string? customerGroup)
    {
        var scopes = customerGroup is null
            ? new[] { (TariffScope.Evse, evse.EvseKey), (TariffScope.Site, evse.SiteId) }
            : [(TariffScope.CustomerGroup, customerGroup), (TariffScope.Evse, evse.EvseKey), (TariffScope.Site, evse.SiteId)];
        return scopes.Select(scope => assignments.GetValueOrDefault(scope, [])).ToArray();
    }

    /// <summary>
    /// The tariff of the winning assignment at an instant, and the next instant before <paramref name="until"/>
    /// at which any candidate assignment starts or ends, up to which that winner cannot change.
    /// </summary>
    private static (string? TariffId, Instant Next) WinnerAt(TariffAssigned[][] candidates, Instant at, Instant until)
    {
        string? winner = null;
        var next = until;
        foreach (var scope in candidates)
            foreach (var assignment in scope)
            {
                if (assignment.ValidFrom > at)
                {
                    next = Instant.Min(next, assignment.ValidFrom);
                }
                else if (assignment.ValidUntil is not { } end || end > at)
                {
                    winner ??= assignment.TariffId;
                    if (assignment.ValidUntil is { } validUntil) next = Instant.Min(next, validUntil);
                }
            }
        return (winner, next);
    }

    private static void Append(List<TariffSpan> spans, TariffSpan span)
    {
        if (spans.Count > 0 && spans[^1] is var last && last.Until == span.From
            && last.Tariff.TariffId == span.Tariff.TariffId && last.Tariff.Version == span.Tariff.Version)
            spans[^1] = last with { Until = span.Until };
        else
            spans.Add(span);
    }
}
