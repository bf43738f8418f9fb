using System.Runtime.Versioning;
using Settlement.Ledger.Database;
using static Settlement.Tests.Ledger.Database.ScratchCluster;
using static Settlement.Tests.Sql;

namespace Settlement.Tests.Ledger.Database;

[Collection(Collection)]
[UnsupportedOSPlatform("windows")]
public sealed class database_server_tests(ScratchCluster scratch)
{
    static string UniqueName(string purpose) => $"settle_{purpose}_{Guid.NewGuid().ToString("N")[..8]}";

    Task<DatabaseServer> ConfiguredAsync() =>
        DatabaseServer.ConnectAsync(scratch.Cluster.AdminConnectionString, _ => { }, CancellationToken.None);

    [Fact]
    public async Task a_configured_server_is_used_as_it_is()
    {
        await using var server = await ConfiguredAsync();

        Assert.False(server.IsEmbedded);
        Assert.Equal($"PostgreSQL at 127.0.0.1:{scratch.Cluster.Port}", server.Description);
    }

    [Fact]
    public async Task ensuring_a_database_twice_creates_it_once()
    {
        await using var server = await ConfiguredAsync();
        var name = UniqueName("ensure");

        await server.EnsureDatabaseAsync(name, CancellationToken.None);
        await server.EnsureDatabaseAsync(name, CancellationToken.None);

        Assert.Equal(name, await ScalarAsync(server.ConnectionStringFor(name), "select current_database()"));
        Assert.Equal(1L, await ScalarAsync(server.ConnectionStringFor("postgres"), $"select count(*) from pg_database where datname = '{name}'"));
    }

    [Fact]
    public async Task recreating_a_database_drops_its_tables()
    {
        await using var server = await ConfiguredAsync();
        var name = UniqueName("recreate");
        await server.EnsureDatabaseAsync(name, CancellationToken.None);
        var connectionString = server.ConnectionStringFor(name);
        const string countTables = "select count(*) from pg_tables where tablename = 'leftovers'";
        await ScalarAsync(connectionString, "create table leftovers (id int); insert into leftovers values (1)");
        Assert.Equal(1L, await ScalarAsync(connectionString, countTables));

        await server.RecreateDatabaseAsync(name, CancellationToken.None);

        Assert.Equal(0L, await ScalarAsync(connectionString, countTables));
    }

    [Fact]
    public async Task a_scratch_recreate_refuses_a_database_it_did_not_create_and_leaves_its_rows()
    {
        await using var server = await ConfiguredAsync();
        var name = UniqueName("ledger");
        await server.EnsureDatabaseAsync(name, CancellationToken.None);
        await ScalarAsync(server.ConnectionStringFor(name), "create table precious (id int); insert into precious values (7)");

        var refused = await Assert.ThrowsAsync<DatabaseServerException>(() =>
            server.RecreateScratchDatabaseAsync(name, CancellationToken.None, ownName: "settlement_demo"));

        Assert.Contains($"'{name}' exists and was not created by settle demo or bench", refused.Message);
        Assert.Equal(7, await ScalarAsync(server.ConnectionStringFor(name), "select id from precious"));
    }

    [Fact]
    public async Task a_scratch_database_is_marked_and_recreated_on_the_next_run()
    {
        await using var server = await ConfiguredAsync();
        var name = UniqueName("scratch");
        await server.RecreateScratchDatabaseAsync(name, CancellationToken.None);
        await ScalarAsync(server.ConnectionStringFor(name), "create table leftovers (id int)");

        await server.RecreateScratchDatabaseAsync(name, CancellationToken.None);

        Assert.Equal(0L, await ScalarAsync(server.ConnectionStringFor(name), "select count(*) from pg_tables where tablename = 'leftovers'"));
        Assert.Equal(DatabaseServer.ScratchMarker, await ScalarAsync(server.ConnectionStringFor("postgres"),
            $"select shobj_description(oid, 'pg_database') from pg_database where datname = '{name}'"));
    }

    [Fact]
    public async Task an_unreachable_configured_server_is_reported_plainly()
    {
        var error = await Assert.ThrowsAsync<DatabaseServerException>(() =>
            DatabaseServer.ConnectAsync("Host=127.0.0.1;Port=1;Username=settlement;Password=x", _ => { }, CancellationToken.None));

        Assert.StartsWith("cannot reach PostgreSQL at 127.0.0.1:1: ", error.Message);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("Ledger")]
    [InlineData("ledger\"; drop database postgres; --")]
    [InlineData("")]
    public async Task database_names_outside_lowercase_digits_and_underscore_are_refused(string name)
    {
        await using var server = await ConfiguredAsync();

        Assert.Throws<ArgumentException>(() => server.ConnectionStringFor(name));
        await Assert.ThrowsAsync<ArgumentException>(() => server.EnsureDatabaseAsync(name, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => server.RecreateDatabaseAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task without_a_configured_server_the_embedded_cluster_is_started_or_reused()
    {
        await using var server = await DatabaseServer.ConnectAsync(null, _ => { }, CancellationToken.None);

        Assert.True(server.IsEmbedded);
        var version = (string?)await ScalarAsync(server.ConnectionStringFor("postgres"), "select version()");
        Assert.StartsWith("PostgreSQL ", version);
        var expectedFolder = Environment.GetEnvironmentVariable(LocalPostgres.DataDirectoryVariable) is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Environment.UserName == "root"
                ? Path.Combine(HomeOf("postgres"), "settlement")
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".settlement", "postgres");
        Assert.Matches(@"^embedded PostgreSQL \d+ on 127\.0\.0\.1:\d+ \(data .+\)$", server.Description);
        Assert.Contains($"(data {expectedFolder}", server.Description);
    }

    static string HomeOf(string user) =>
        File.ReadLines("/etc/passwd").Select(line => line.Split(':')).Single(fields => fields[0] == user)[5];
}
