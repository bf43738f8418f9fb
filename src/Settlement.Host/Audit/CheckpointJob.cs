using System.Security.Cryptography;
using Hangfire;
using Microsoft.Extensions.Logging;
using Settlement.Ledger.Audit;

namespace Settlement.Host.Audit;

/// <summary>
/// One run of the scheduled checkpoint: signs whatever was chained since the last checkpoint with the operator's key,
/// and anchors it outside the database.
/// </summary>
public sealed class CheckpointJob(Ledger.Ledger ledger, ECDsa key, AnchorLog anchors, ILogger<CheckpointJob> logger) : IDisposable
{
    /// <remarks>
    /// Hangfire enqueues each occurrence once and hands a job to one worker; the distributed lock keeps a
    /// slow run and the next occurrence apart, and <see cref="Checkpoints.SignAsync"/> serialises signers
    /// in the database whatever else signs (e.g. `settle checkpoint`). A failed run is not retried: the
    /// next occurrence signs what it left.
    /// </remarks>
    [DisableConcurrentExecution(timeoutInSeconds: 10 * 60)]
    [AutomaticRetry(Attempts = 0)]
    public async Task SignAsync(CancellationToken ct)
    {
        var signed = await Checkpoints.SignAsync(ledger, key, ct);
        if (signed.Count == 0)
            logger.LogInformation("Checkpoint: nothing chained since the last one.");
        foreach (var statement in signed.Select(c => c.Statement))
            logger.LogInformation("Checkpoint signed by key {KeyId}: {Count} events after {From} up to {Sequence}, head {Hash}.",
                statement.KeyId, statement.EventCount, statement.FromSequence, statement.Sequence, ChainHash.Hex(statement.Hash));
        await anchors.AppendAsync(signed, ct);
        if (signed.Count > 0) logger.LogInformation("Checkpoint anchored in {AnchorLog}.", anchors.FilePath);
    }

    public void Dispose() => key.Dispose();
}
