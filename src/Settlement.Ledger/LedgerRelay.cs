using System.Text;
using Npgsql;
using Settlement.Ledger.Store;

namespace Settlement.Ledger;

/// <summary>A host's listening session: its presence rows count while this session is alive.</summary>
public sealed record NodeSession(int Pid, DateTime Started);

/// <summary>A charger's presence row left by a node whose listening session is gone.</summary>
public sealed record OrphanedPresence(string ChargerId, NodeSession Node);

/// <summary>That <paramref name="Node"/> holds (<paramref name="Protocol"/> given) or no longer holds a charger's connection.</summary>
public sealed record PresenceRow(string ChargerId, NodeSession Node, string? Protocol);

/// <summary>
/// A dedicated session LISTENing on the relay's channels: its backend names the node, and the node's presence
/// rows count only while it lives. Disposing it ends the session.
/// </summary>
public sealed class LedgerListener(NpgsqlConnection connection, NodeSession session) : IAsyncDisposable
{
    public NodeSession Session { get; } = session;

    /// <summary>Waits for notifications for ever; a quiet spell of <paramref name="checkEvery"/> is the moment to check the session still works.</summary>
    /// <exception cref="NpgsqlException">The session is lost.</exception>
    public async Task ListenAsync(TimeSpan checkEvery, CancellationToken ct)
    {
        while (true)
        {
            // Notifications arrive only while waiting.
            if (!await connection.WaitAsync(checkEvery, ct))
            {
                await using var check = new NpgsqlCommand("SELECT 1", connection);
                await check.ExecuteScalarAsync(ct);
            }
        }
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}

/// <summary>
/// The tables beside the events that carry commands across the hosts of a cluster (<c>charger_presence</c>, which host
/// holds each charger; <c>relayed_messages</c>, messages too large for a NOTIFY), and the NOTIFYs themselves.
/// </summary>
public sealed partial class Ledger
{
    // PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; larger messages go through a table.
    private const int NotifyLimitBytes = 7_900;
    // A stored message is taken within its command's timeout, minutes at most; one older than this lost its
    // receiver (a node that died before taking it) and is deleted by the next node that stores one.
    private const string OrphanAge = "1 hour";

    /// <summary>Opens a session listening on <paramref name="channels"/>; each notification is handed to <paramref name="received"/> (channel, payload).</summary>
    public async Task<LedgerListener> ListenAsync(IReadOnlyList<string> channels, Action<string, string> received, CancellationToken ct = default)
    {
        var connection = await _dataSource.OpenConnectionAsync(ct);
        try
        {
            connection.Notification += (_, notification) => received(notification.Channel, notification.Payload);
            await using (var listen = new NpgsqlCommand(string.Concat(channels.Select(c => $"LISTEN {c};")), connection))
                await listen.ExecuteNonQueryAsync(ct);
            await using var whoAmI = new NpgsqlCommand("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()", connection);
            await using var row = await whoAmI.ExecuteReaderAsync(ct);
            await row.ReadAsync(ct);
            return new LedgerListener(connection, new NodeSession(row.GetInt32(0), row.GetDateTime(1)));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The live node (other than <paramref name="exceptNode"/>) holding the charger's connection and the protocol it speaks; null when none does.</summary>
    public async Task<(int Node, string Protocol)?> LiveHolderAsync(string chargerId, int? exceptNode, CancellationToken ct = default)
    {
        await using var connection = await ConnectionRetry.OpenAsync(_dataSource, ct);
        await using var locate = new NpgsqlCommand($"""
            SELECT p.node_pid, p.protocol FROM {LedgerStore.Schema}.charger_presence p
            JOIN pg_stat_activity a ON a.pid = p.node_pid AND a.backend_start = p.node_started
            WHERE p.charger_id = @charger AND p.node_pid IS DISTINCT FROM @except
            """, connection);
        locate.Parameters.AddWithValue("charger", chargerId);
        locate.Parameters.Add(new NpgsqlParameter<int?>("except", exceptNode));
        await using var row = await locate.ExecuteReaderAsync(ct);
        return await row.ReadAsync(ct) ? (row.GetInt32(0), row.GetString(1)) : null;
    }

    /// <summary>Presence rows whose node's listening session is gone: the node died holding these chargers.</summary>
    public async Task<IReadOnlyList<OrphanedPresence>> OrphanedPresencesAsync(CancellationToken ct = default)
    {
        await using var connection = await ConnectionRetry.OpenAsync(_dataSource, ct);
        await using var find = new NpgsqlCommand($"""
            SELECT p.charger_id, p.node_pid, p.node_started FROM {LedgerStore.Schema}.charger_presence p
            WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = p.node_pid AND a.backend_start = p.node_started)
            """, connection);
        var orphans = new List<OrphanedPresence>();
        await using var rows = await find.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
            orphans.Add(new OrphanedPresence(rows.GetString(0), new NodeSession(rows.GetInt32(1), rows.GetDateTime(2))));
        return orphans;
    }

    /// <summary>Deletes an orphaned row; a row another node wrote meanwhile is not touched.</summary>
    public async Task ForgetPresenceAsync(OrphanedPresence orphan, CancellationToken ct = default)
    {
        await using var connection = await ConnectionRetry.OpenAsync(_dataSource, ct);
        await using var forget = new NpgsqlCommand(
            $"DELETE FROM {LedgerStore.Schema}.charger_presence WHERE charger_id = @charger AND node_pid = @pid AND node_started = @started", connection);
        forget.Parameters.AddWithValue("charger", orphan.ChargerId);
        forget.Parameters.AddWithValue("pid", orphan.Node.Pid);
        forget.Parameters.AddWithValue("started", orphan.Node.Started);
        await forget.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Writes presence changes in one round trip, at most one per charger (one statement may not touch a row twice):
    /// a held charger's row is written over, a released one is deleted only while it is still that node's.
    /// </summary>
    public async Task WritePresenceAsync(IReadOnlyCollection<PresenceRow> changes, CancellationToken ct = default)
    {
        var held = changes.Where(c => c.Protocol is not null).ToList();
        var released = changes.Where(c => c.Protocol is null).ToList();
        await using var connection = await ConnectionRetry.OpenAsync(_dataSource, ct);
        await using var write = new NpgsqlBatch(connection);
        if (held.Count > 0)
            write.BatchCommands.Add(new NpgsqlBatchCommand($"""
                INSERT INTO {LedgerStore.Schema}.charger_presence (charger_id, node_pid, node_started, protocol)
                SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::text[])
                ON CONFLICT (charger_id) DO UPDATE SET node_pid = excluded.node_pid, node_started = excluded.node_started, protocol = excluded.protocol
                """)
            {
                Parameters =
                {
                    new() { Value = held.Select(c => c.ChargerId).ToArray() },
                    new() { Value = held.Select(c => c.Node.Pid).ToArray() },
                    new() { Value = held.Select(c => c.Node.Started).ToArray() },
                    new() { Value = held.Select(c => c.Protocol!).ToArray() },
                },
            });
        if (released.Count > 0)
            write.BatchCommands.Add(new NpgsqlBatchCommand($"""
                DELETE FROM {LedgerStore.Schema}.charger_presence p
                USING unnest($1::text[], $2::int[], $3::timestamptz[]) AS gone (charger_id, node_pid, node_started)
                WHERE p.charger_id = gone.charger_id AND p.node_pid = gone.node_pid AND p.node_started = gone.node_started
                """)
            {
                Parameters =
                {
                    new() { Value = released.Select(c => c.ChargerId).ToArray() },
                    new() { Value = released.Select(c => c.Node.Pid).ToArray() },
                    new() { Value = released.Select(c => c.Node.Started).ToArray() },
                },
            });
        await write.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Deletes every presence row of a node on its way down.</summary>
    public async Task ForgetNodePresenceAsync(NodeSession node, CancellationToken ct = default)
    {
        await using var connection = await ConnectionRetry.OpenAsync(_dataSource, ct);
        await using var forget = new NpgsqlCommand(
            $"DELETE FROM {LedgerStore.Schema}.charger_presence WHERE node_pid = @pid AND node_started = @started", connection);
        forget.Parameters.AddWithValue("pid", node.Pid);
        forget.Parameters.AddWithValue("started", node.Started);
        await forget.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// NOTIFYs <paramref name="channel"/> with <paramref name="envelope"/>(null). One too large for a NOTIFY has its
    /// <paramref name="body"/> stored in <c>relayed_messages</c> and sends <paramref name="envelope"/>(the stored id)
    /// instead; the receiver takes it with <see cref="TakeRelayedMessageAsync"/>.
    /// </summary>
    public async Task NotifyAsync(string channel, string body, Func<Guid?, string> envelope, CancellationToken ct = default)
    {
        var sent = envelope(null);
        await using var connection = await ConnectionRetry.OpenAsync(_dataSource, ct);
        if (Encoding.UTF8.GetByteCount(sent) > NotifyLimitBytes)
        {
            var stored = Guid.NewGuid();
            await using var store = new NpgsqlCommand($"""
                DELETE FROM {LedgerStore.Schema}.relayed_messages WHERE stored_at < now() - interval '{OrphanAge}';
                INSERT INTO {LedgerStore.Schema}.relayed_messages (id, body) VALUES (@id, @body)
                """, connection);
            store.Parameters.AddWithValue("id", stored);
            store.Parameters.AddWithValue("body", body);
            await store.ExecuteNonQueryAsync(ct);
            sent = envelope(stored);
        }
        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @envelope)", connection);
        notify.Parameters.AddWithValue("channel", channel);
        notify.Parameters.AddWithValue("envelope", sent);
        await notify.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The body of a message too large for a NOTIFY, deleted as it is taken; null when another took it or it expired.</summary>
    public async Task<string?> TakeRelayedMessageAsync(Guid id, CancellationToken ct = default)
    {
        await using var connection = await ConnectionRetry.OpenAsync(_dataSource, ct);
        await using var take = new NpgsqlCommand($"DELETE FROM {LedgerStore.Schema}.relayed_messages WHERE id = @id RETURNING body", connection);
        take.Parameters.AddWithValue("id", id);
        return await take.ExecuteScalarAsync(ct) as string;
    }
}
