using NodaTime;
using Settlement.Documents.Reports;
using Settlement.Host.Kpis;

namespace Settlement.Host.Reports;

/// <summary>
/// The open DATEX II publications, rendered at most once per <see cref="Freshness"/>: anyone may ask for them without a
/// key, so however many ask, the ledger is read for them once in that time and every caller in it gets the same bytes.
/// Thirty seconds keeps the dynamic data (status, price) as fresh as an NAP polls it while bounding the load.
/// </summary>
/// <remarks>
/// Built outside any caller's scope: the host's <see cref="KpiHistories"/> narrows to a sub-operator's sites when one
/// calls, and a sub-operator's key sent to this open endpoint must not narrow what everyone is then served.
/// </remarks>
public sealed class AfirPublications(Ledger.Ledger ledger, IClock clock)
{
    private readonly RegulatorReports _reports = new(ledger, new KpiHistories(ledger), clock);

    public static readonly Duration Freshness = Duration.FromSeconds(30);

    /// <summary>Both publications of one feed, so table and status always describe the same points.</summary>
    public sealed record Rendered(Instant At, byte[] Table, byte[] Status);

    private readonly SemaphoreSlim _building = new(1, 1);
    private Rendered? _latest;

    public async Task<Rendered> CurrentAsync(CancellationToken ct)
    {
        if (Fresh(_latest) is { } cached) return cached;
        await _building.WaitAsync(ct);
        try
        {
            // Whoever waited while another caller built it takes that one.
            if (Fresh(_latest) is { } built) return built;
            var feed = (await _reports.AfirAsync(ct)).WhereAfirApplies();
            _latest = new Rendered(clock.GetCurrentInstant(), AfirDatex.RenderTable(feed), AfirDatex.RenderStatus(feed));
            return _latest;
        }
        finally
        {
            _building.Release();
        }
    }

    private Rendered? Fresh(Rendered? rendered) => rendered is { } r && clock.GetCurrentInstant() - r.At < Freshness ? r : null;
}
