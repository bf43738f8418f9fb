using Npgsql;
using Settlement.Ledger.Store;

namespace Settlement.Ledger;

/// <summary>
/// This host leads a cluster-wide job for as long as it holds this: an advisory lock on a database session of its
/// own. Disposing it steps down.
/// </summary>
public sealed class LedgerLead(NpgsqlConnection held, long key) : IAsyncDisposable
{
    /// <summary>The lock lives as long as its session: a session that still answers means this host still leads.</summary>
    /// <exception cref="NpgsqlException">The session is gone, and the lead with it.</exception>
    public async Task ConfirmAsync(CancellationToken ct)
    {
        await using var ping = new NpgsqlCommand("SELECT 1", held);
        await ping.ExecuteScalarAsync(ct);
    }

    public async ValueTask DisposeAsync() => await AdvisoryLock.ReleaseAsync(held, key);
}

public sealed partial class Ledger
{
    /// <summary>
    /// Leads the job of advisory lock <paramref name="key"/> (one of <see cref="AdvisoryLock"/>'s) when no other host
    /// does; null when one does. The session is held for as long as the lead: from Marten's pool, not the appends' small one.
    /// </summary>
    public async Task<LedgerLead?> TryLeadAsync(long key, CancellationToken ct = default)
    {
        var connection = _store.Storage.Database.CreateConnection();
        try
        {
            await connection.OpenAsync(ct);
            if (await AdvisoryLock.TryTakeAsync(connection, key, ct)) return new LedgerLead(connection, key);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>
    /// Runs <paramref name="pass"/> every <paramref name="pause"/> for as long as this host leads job <paramref name="key"/>,
    /// trying to lead whenever no host does. A pass that fails steps down (<paramref name="failed"/> is told why), so
    /// another host may take over: losing the database or one bad item never ends the job.
    /// </summary>
    public async Task LeadAsync(long key, Func<CancellationToken, Task> pass, Func<TimeSpan> pause, Action<Exception> failed, CancellationToken ct)
    {
        LedgerLead? lead = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    if (lead is not null) await lead.ConfirmAsync(ct);
                    lead ??= await TryLeadAsync(key, ct);
                    if (lead is not null) await pass(ct);
                }
                catch (Exception problem) when (!ct.IsCancellationRequested)
                {
                    failed(problem);
                    if (lead is not null) await lead.DisposeAsync();
                    lead = null;
                }
                await Task.Delay(pause(), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            if (lead is not null) await lead.DisposeAsync();
        }
    }
}
