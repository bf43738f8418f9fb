using Settlement.Ledger.Database;
using Settlement.Ledger.Store;

namespace Settlement.Tests;

/// <summary>
/// One real PostgreSQL database for the whole test run, bootstrapped the way the engine does it
/// (SETTLE_CONNECTION if set, else the embedded cluster). It is recreated at start because the
/// ledger refuses to delete events; tests keep apart by using fresh stream ids.
/// </summary>
public sealed class LedgerDatabase : IAsyncLifetime
{
    public const string Name = "settlement_tests";

    public DatabaseServer Server { get; private set; } = null!;
    public string ConnectionString { get; private set; } = null!;
    public Settlement.Ledger.Ledger Ledger { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await DatabaseServer.ConnectAsync(Environment.GetEnvironmentVariable("SETTLE_CONNECTION"), _ => { }, CancellationToken.None);
        await Server.RecreateDatabaseAsync(Name, CancellationToken.None);
        ConnectionString = Server.ConnectionStringFor(Name);
        Ledger = await LedgerStore.OpenAsync(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Ledger.DisposeAsync();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class LedgerCollection : ICollectionFixture<LedgerDatabase>
{
    public const string Name = "ledger";
}
