using Npgsql;

namespace Settlement.Ledger.Store;

/// <summary>
/// How many PostgreSQL connections one host (or command) may hold at once, all of them: Marten's sessions, the
/// group-commit writer, the projection daemon and its leader lock, the chain writer, the command relay's listener
/// and presence writes, Hangfire and the ledger's plain SQL share one pool of this size. Whatever the number of
/// chargers, a host never asks the server for more; work beyond it waits its turn in the pool.
/// </summary>
/// <remarks>
/// The default fits four hosts into a stock <c>max_connections</c> of 100 (97 after the superuser reservation)
/// with room left for the CLI and an operator's psql. A host holds up to four for good (relay listener,
/// group-commit writer, projection leader lock, chain writer lock) and the projection daemon a few more while it
/// catches up, so fewer than <see cref="Minimum"/> would leave requests queueing behind them.
/// </remarks>
public sealed record ConnectionBudget
{
    public const string Setting = "Database:MaxConnections";
    public const string EnvironmentVariable = "Database__MaxConnections";
    public const int Default = 20;
    public const int Minimum = 10;
    public const string DefaultApplicationName = "settlement";

    public int MaxConnections { get; }

    public ConnectionBudget(int maxConnections)
    {
        if (maxConnections < Minimum)
            throw new ArgumentException(
                $"{Setting} is {maxConnections}, but must be at least {Minimum}: a host holds up to four connections for good and its projection daemon a few more.");
        MaxConnections = maxConnections;
    }

    public static ConnectionBudget Standard { get; } = new(Default);

    /// <summary>The budget named by <see cref="Setting"/> (or <see cref="EnvironmentVariable"/>), else <see cref="Default"/>.</summary>
    public static ConnectionBudget From(string? configured) =>
        string.IsNullOrWhiteSpace(configured) ? Standard
        : int.TryParse(configured, out var size) ? new ConnectionBudget(size)
        : throw new ArgumentException($"{Setting} '{configured}' is not a whole number of connections.");

    /// <summary>
    /// The one pool. A pool size in the connection string is replaced by the budget, so no setting elsewhere can
    /// widen it; the application name is kept when given, so operators can tell hosts apart in pg_stat_activity.
    /// </summary>
    public NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = MaxConnections,
            // Marten sends document writes and loads unprepared, so PostgreSQL parsed and planned each of the inline
            // projections' upserts again: prepared once per connection, their share of a 1,000-event append fell from
            // 760 to 280 ms per 100,000 events.
            MaxAutoPrepare = 64,
            AutoPrepareMinUsages = 2,
        };
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = DefaultApplicationName;
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }
}
