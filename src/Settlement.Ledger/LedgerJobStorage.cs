using Hangfire.PostgreSql;
using Npgsql;

namespace Settlement.Ledger;

public sealed partial class Ledger
{
    /// <summary>The name of the ledger's database: scheduled jobs and their anchors are kept per database.</summary>
    /// <exception cref="InvalidDataException">When the connection string names none.</exception>
    public string DatabaseName =>
        new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString).Database
        ?? throw new InvalidDataException("The ledger's connection string names no database.");

    /// <summary>
    /// Connections for Hangfire's job storage, which lives in the ledger's database, from the ledger's own pool: its
    /// connection string no longer carries the password, so Hangfire could not connect by itself.
    /// </summary>
    public IConnectionFactory JobStorageConnections() => new PooledConnections(_dataSource);

    private sealed class PooledConnections(NpgsqlDataSource dataSource) : IConnectionFactory
    {
        public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();
    }
}
