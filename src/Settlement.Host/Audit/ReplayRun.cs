using NodaTime;
using Npgsql;
using Settlement.Ledger.Audit;
using Settlement.Projections;

namespace Settlement.Host.Audit;

/// <summary>
/// A replay comparison as GET /api/audit/replay-runs/{runId} gives it: the counts per kind of document, and the lines
/// that differ (and those changed after the cut), each list cut to its first <see cref="ReplayRun.ListedDifferences"/>
/// with how many more there are.
/// </summary>
public sealed record ReplayComparisonView(bool Reproduced, long Position, long Events, Instant? ChangedFrom, IReadOnlyList<KindComparison> Kinds,
    IReadOnlyList<DocumentDifference> Differences, int MoreDifferences, IReadOnlyList<DocumentDifference> AfterCut, int MoreAfterCut)
{
    public static ReplayComparisonView Of(ReplayComparison comparison, Replay replay) => new(comparison.Reproduced, replay.Position, replay.Events,
        replay.ChangedFrom, comparison.Kinds,
        [.. comparison.Differences.Take(ReplayRun.ListedDifferences)], Math.Max(comparison.Differences.Count - ReplayRun.ListedDifferences, 0),
        [.. comparison.AfterCut.Take(ReplayRun.ListedDifferences)], Math.Max(comparison.AfterCut.Count - ReplayRun.ListedDifferences, 0));
}

/// <summary>
/// What GET /api/audit/replay-runs/{runId} answers: the step the replay is at (each projection's position, then the
/// comparison), and once it ended, the comparison and the sentence `settle replay --compare` prints.
/// </summary>
/// <param name="Status"><see cref="VerifyRun.Running"/>, <see cref="VerifyRun.Passed"/> (every live document reproduced) or <see cref="VerifyRun.Failed"/>.</param>
/// <param name="Until">The cut: what the ledger had recorded by then; null for the whole ledger.</param>
public sealed record ReplayRunView(string RunId, string Status, Instant? Until, string Step, long Done, long Total, string Verdict,
    ReplayComparisonView? Comparison, Instant StartedAt, Instant? FinishedAt);

/// <summary>
/// One `settle replay --compare` run by the host: every projection rebuilt from zero, up to the cut, into the schema
/// <see cref="Schema"/> of the served database, then its documents compared with the live ones. On a month of the
/// demo this takes minutes, hence a run asked about rather than an answer waited for.
/// </summary>
public sealed class ReplayRun(Instant? until, Instant startedAt) : IAuditRun
{
    /// <summary>The host's own replay schema, apart from `settle replay`'s (<see cref="Replay.DefaultSchema"/>): dropped and recreated each run.</summary>
    public const string Schema = "dashboard_replay";

    /// <summary>The schema owner's connection string (to the served database) the replay needs, since it creates its schema.</summary>
    public const string ConnectionSetting = "Audit:ReplayConnection";

    public const int ListedDifferences = 100;
    private const string Comparing = "Comparing the live documents with the replayed ones";

    private ReplayRunView _view = new(Guid.NewGuid().ToString("N"), VerifyRun.Running, until, "Starting the replay", 0, 0,
        "Replaying the ledger.", null, startedAt, null);

    public ReplayRunView View => Volatile.Read(ref _view);
    public string RunId => View.RunId;
    bool IAuditRun.Running => View.Status == VerifyRun.Running;

    /// <param name="ownerConnectionString">The schema owner's connection to the server; pointed at the live ledger's database here.</param>
    public async Task RunAsync(Ledger.Ledger live, string ownerConnectionString, IClock clock, CancellationToken ct)
    {
        try
        {
            var owner = new NpgsqlConnectionStringBuilder(ownerConnectionString) { Database = live.DatabaseName }.ConnectionString;
            var cut = until is { } instant ? new ReplayCut(AsOf: instant) : ReplayCut.Everything;
            await using var replay = await Replay.RunAsync(owner, SettlementReadModels.All, cut, Schema,
                progress => Update(view => view with { Step = progress.Step, Done = progress.Done, Total = progress.Total }), ct);
            Update(view => view with { Step = Comparing, Done = 0, Total = 0 });
            var comparison = await ReplayComparison.CompareAsync(live, replay, ct);
            Update(view => view with
            {
                Status = comparison.Reproduced ? VerifyRun.Passed : VerifyRun.Failed,
                Verdict = comparison.Verdict,
                Comparison = ReplayComparisonView.Of(comparison, replay),
                FinishedAt = clock.GetCurrentInstant(),
            });
        }
        catch (Exception e)
        {
            Update(view => view with
            {
                Status = VerifyRun.Failed,
                Verdict = e is OperationCanceledException
                    ? "Not compared: the host stopped before the replay finished."
                    : $"Not compared: the replay failed at '{view.Step}': {e.GetType().Name}: {e.Message}",
                FinishedAt = clock.GetCurrentInstant(),
            });
        }
    }

    private void Update(Func<ReplayRunView, ReplayRunView> change) => Volatile.Write(ref _view, change(_view));
}
