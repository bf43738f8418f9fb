using System.Diagnostics;
using System.Runtime.Versioning;
using Npgsql;
using Settlement.Ledger.Database;
using static Settlement.Tests.Ledger.Database.ScratchCluster;
using static Settlement.Tests.Sql;

namespace Settlement.Tests.Ledger.Database;

[Collection(Collection)]
[UnsupportedOSPlatform("windows")]
public sealed class local_postgres_tests(ScratchCluster scratch)
{
    [Fact]
    public async Task a_fresh_folder_is_initialised_and_started_and_answers_queries()
    {
        var cluster = scratch.Cluster;

        Assert.True(cluster.StartedByUs);
        Assert.Equal(scratch.DataDirectory, cluster.DataDirectory);
        Assert.True(File.Exists(Path.Combine(cluster.DataDirectory, "PG_VERSION")));
        var version = (string?)await ScalarAsync(cluster.AdminConnectionString, "select version()");
        Assert.StartsWith($"PostgreSQL {cluster.MajorVersion}.", version);
        Assert.Equal($"embedded PostgreSQL {cluster.MajorVersion} on 127.0.0.1:{cluster.Port} (data {cluster.DataDirectory})", cluster.Description);
    }

    [Fact]
    public async Task a_second_start_reuses_the_running_cluster_and_disposing_it_leaves_the_cluster_running()
    {
        var second = await LocalPostgres.StartAsync(_ => { }, CancellationToken.None, scratch.DataDirectory);
        Assert.Equal(scratch.Cluster.Port, second.Port);
        Assert.False(second.StartedByUs);
        Assert.Equal(1, await ScalarAsync(second.AdminConnectionString, "select 1"));

        await second.DisposeAsync();

        Assert.Equal(1, await ScalarAsync(scratch.Cluster.AdminConnectionString, "select 1"));
    }

    [Fact]
    public void the_password_file_is_readable_by_its_owner_only()
    {
        var mode = File.GetUnixFileMode(scratch.Cluster.PasswordFile);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public async Task simultaneous_starts_share_one_server_which_the_last_one_out_stops()
    {
        using var folder = new ScratchFolder();

        var both = await Task.WhenAll(
            LocalPostgres.StartAsync(_ => { }, CancellationToken.None, folder.DataDirectory),
            LocalPostgres.StartAsync(_ => { }, CancellationToken.None, folder.DataDirectory));

        var starter = Assert.Single(both, c => c.StartedByUs);
        var reuser = Assert.Single(both, c => !c.StartedByUs);
        Assert.Equal(starter.Port, reuser.Port);

        await starter.DisposeAsync();
        Assert.Equal(1, await ScalarAsync(reuser.AdminConnectionString, "select 1"));

        await reuser.DisposeAsync();
        Assert.False(File.Exists(Path.Combine(folder.DataDirectory, "postmaster.pid")));
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(reuser.AdminConnectionString, "select 1"));
    }

    [Fact]
    public async Task a_stale_postmaster_pid_does_not_stop_the_next_start()
    {
        using var folder = new ScratchFolder();
        await (await LocalPostgres.StartAsync(_ => { }, CancellationToken.None, folder.DataDirectory)).DisposeAsync();
        await File.WriteAllLinesAsync(Path.Combine(folder.DataDirectory, "postmaster.pid"),
            [DeadProcessId().ToString(), folder.DataDirectory, "1700000000", "5999", "", "127.0.0.1", "0 0", "ready   "]);

        var reports = new List<string>();
        var cluster = await LocalPostgres.StartAsync(reports.Add, CancellationToken.None, folder.DataDirectory);
        try
        {
            Assert.True(cluster.StartedByUs);
            Assert.NotEqual(5999, cluster.Port);
            Assert.Contains(reports, r => r.Contains("stale"));
            Assert.Equal(1, await ScalarAsync(cluster.AdminConnectionString, "select 1"));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    static int DeadProcessId()
    {
        using var process = Process.Start("true");
        process.WaitForExit();
        return process.Id;
    }
}
