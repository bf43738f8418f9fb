using Npgsql;

namespace Settlement.Workbench.Bench;

/// <summary>
/// The most connections one application name held at once, read from pg_stat_activity every few milliseconds
/// while it runs: what a host's connection budget is judged by.
/// </summary>
public sealed class ConnectionWatch : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    private readonly NpgsqlConnection _connection;
    private readonly string _applicationName;
    private readonly CancellationTokenSource _stopping = new();
    private Task _watching = Task.CompletedTask;
    private int _peak;

    private ConnectionWatch(NpgsqlConnection connection, string applicationName)
    {
        _connection = connection;
        _applicationName = applicationName;
    }

    /// <summary>Watches on a connection of its own, made with <paramref name="connectionString"/> (one that is not counted).</summary>
    public static async Task<ConnectionWatch> StartAsync(string connectionString, string applicationName, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "settlement-watch" }.ConnectionString);
        await connection.OpenAsync(ct);
        var watch = new ConnectionWatch(connection, applicationName);
        await watch.SampleAsync(ct);
        watch._watching = watch.WatchAsync(watch._stopping.Token);
        return watch;
    }

    public int Peak => Volatile.Read(ref _peak);

    /// <summary>Stops watching, with one last reading.</summary>
    public async Task<int> StopAsync()
    {
        await _stopping.CancelAsync();
        await _watching;
        await SampleAsync(CancellationToken.None);
        return Peak;
    }

    private async Task WatchAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Interval, ct);
                // Not cancelled midway: a cancelled statement could leave the connection unfit for the last reading.
                await SampleAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task SampleAsync(CancellationToken ct)
    {
        await using var count = new NpgsqlCommand("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = $1", _connection)
        {
            Parameters = { new() { Value = _applicationName } },
        };
        var now = (int)(await count.ExecuteScalarAsync(ct))!;
        if (now > _peak) Volatile.Write(ref _peak, now);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
            await _watching;
        }
        _stopping.Dispose();
        await _connection.DisposeAsync();
    }
}
