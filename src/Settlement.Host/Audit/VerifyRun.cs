using NodaTime;
using Settlement.Ledger.Audit;

namespace Settlement.Host.Audit;

/// <summary>Where the chain first broke: the position, the stream the event there belongs to now (none when it was deleted), what differs.</summary>
public sealed record BrokenEvent(long Sequence, string? StreamId, string Kind, string Detail);

/// <summary>
/// What GET /api/audit/verify-runs/{runId} answers: how far the walk is (ledger positions checked of the last one),
/// and once it ended, whether the ledger verified, the sentence `settle verify` prints, and where it first broke.
/// </summary>
/// <param name="Status"><see cref="VerifyRun.Running"/>, <see cref="VerifyRun.Passed"/> or <see cref="VerifyRun.Failed"/>.</param>
public sealed record VerifyRunView(string RunId, string Status, long Checked, long Total, BrokenEvent? FirstBroken, string Verdict,
    Instant StartedAt, Instant? FinishedAt);

/// <summary>
/// One verification of the served ledger, as `settle verify` does it: the hash chain walked against the signed
/// checkpoints in the database and those anchored outside it (the anchor log of this database under
/// <see cref="AnchorLog.Setting"/>, as the host's checkpoint schedule writes it).
/// </summary>
public sealed class VerifyRun(Instant startedAt) : IAuditRun
{
    public const string Running = "running";
    public const string Passed = "passed";
    public const string Failed = "failed";

    // One writer (the run itself) replaces the whole view; readers take whichever is current.
    private VerifyRunView _view = new(Guid.NewGuid().ToString("N"), Running, 0, 0, null, "Verifying the hash chain.", startedAt, null);

    public VerifyRunView View => Volatile.Read(ref _view);
    public string RunId => View.RunId;
    bool IAuditRun.Running => View.Status == Running;

    public async Task RunAsync(Ledger.Ledger ledger, AnchorLog anchors, IClock clock, CancellationToken ct)
    {
        try
        {
            var result = await LedgerVerification.VerifyAsync(ledger, trustedKeyId: null, anchors.Read(),
                (done, last) => Update(view => view with { Checked = done, Total = last }), ct);
            var broken = result.Problem is { } problem
                ? new BrokenEvent(problem.Sequence, await LedgerVerification.StreamAtAsync(ledger, problem.Sequence, ct), problem.Kind, problem.Detail)
                : null;
            Update(view => view with
            {
                Status = result.Verified ? Passed : Failed,
                // The walk reports the end once it stops; a broken chain was checked only up to the position before the break.
                Checked = broken is null ? view.Total : Math.Clamp(broken.Sequence - 1, 0, view.Total),
                FirstBroken = broken,
                Verdict = result.Verdict,
                FinishedAt = clock.GetCurrentInstant(),
            });
        }
        catch (Exception e)
        {
            Update(view => view with
            {
                Status = Failed,
                Verdict = e is OperationCanceledException ? "NOT VERIFIED: the host stopped before the verification finished." : VerificationResult.Unverified(e),
                FinishedAt = clock.GetCurrentInstant(),
            });
        }
    }

    private void Update(Func<VerifyRunView, VerifyRunView> change) => Volatile.Write(ref _view, change(_view));
}
