using System.Net.Sockets;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Settlement.Ledger.Store;

/// <summary>
/// Getting a connection fails for a moment when hosts together ask more than the server allows (53300 too many
/// clients), while it starts or restarts (57P03, refused sockets), or when this host's pool stayed busy for its
/// whole wait during a storm of reconnecting chargers. Nothing was sent then, so trying again after a pause is
/// always safe, where failing would drop a charger or an append.
/// </summary>
public static class ConnectionRetry
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(5);
    // About half a minute of pauses (plus each attempt's own wait): long enough for a storm to pass or a server to
    // restart, short enough that a server that is really gone is reported.
    private const int Attempts = 10;

    /// <summary>For Marten's reads: only failures to connect, never a statement that ran out of time (rerunning it would double the wait).</summary>
    public static RetryStrategyOptions ReadRetry => Backoff(Attempts, failure => Failures(failure).Any(CouldNotConnect));

    private static readonly ResiliencePipeline Opening = new ResiliencePipelineBuilder()
        .AddRetry(Backoff(Attempts, failure => Failures(failure).Any(e => e is NpgsqlException { IsTransient: true })))
        .Build();

    private static readonly ResiliencePipeline Idempotent = new ResiliencePipelineBuilder()
        .AddRetry(Backoff(int.MaxValue, failure => Failures(failure).Any(e => e is NpgsqlException { IsTransient: true })))
        .Build();

    /// <summary>A connection from the pool, waiting out a full server or pool.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource dataSource, CancellationToken ct) =>
        await Opening.ExecuteAsync(async token => await dataSource.OpenConnectionAsync(token), ct);

    /// <summary>Opens <paramref name="create"/>'s connection, a new one for each attempt, waiting out a full server or pool.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(Func<NpgsqlConnection> create, CancellationToken ct) =>
        await Opening.ExecuteAsync(async token =>
        {
            var connection = create();
            try
            {
                await connection.OpenAsync(token);
                return connection;
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }, ct);

    /// <summary>
    /// Work that may safely run twice (an upsert, a delete), retried on any transient failure until it is done or
    /// <paramref name="ct"/> gives up.
    /// </summary>
    public static async Task UntilDoneAsync(Func<CancellationToken, Task> work, CancellationToken ct) =>
        await Idempotent.ExecuteAsync(async token => await work(token), ct);

    private static bool CouldNotConnect(Exception failure) => failure switch
    {
        PostgresException server => server.SqlState is PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.CannotConnectNow
            || server.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException { InnerException: SocketException } => true,
        _ => false,
    };

    private static IEnumerable<Exception> Failures(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException) yield return e;
    }

    private static RetryStrategyOptions Backoff(int attempts, Func<Exception, bool> retryable) => new()
    {
        ShouldHandle = new PredicateBuilder().Handle<Exception>(retryable),
        MaxRetryAttempts = attempts,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = FirstDelay,
        MaxDelay = LongestDelay,
    };
}
