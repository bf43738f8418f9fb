using Npgsql;
using Settlement.Ledger.Audit;
using Settlement.Ledger.Database;
using Settlement.Tests.Audit;

namespace Settlement.Tests.Cli;

/// <summary>`settle demo` and `settle verify` as a user runs them, with nothing but the defaults for where anchors go.</summary>
[Collection(LedgerCollection.Name)]
public sealed class anchored_verify_command_tests(LedgerDatabase db) : IDisposable
{
    /// <summary>A home of its own, so the default ~/.settlement/anchors is this test's and no one else's.</summary>
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("settle-home-");

    // The CLI works as the application role (--connection) and migrates as the administrator, as SettleProcess.RunAsync(db, ...) does.
    private Dictionary<string, string?> Defaults => new()
    {
        ["HOME"] = _home.FullName,
        [AnchorLog.EnvironmentVariable] = null,
        [DatabaseServer.MigrationConnectionVariable] = db.Server.AdministrationConnectionStringFor("postgres"),
    };

    [Fact]
    public async Task the_demo_anchors_a_checkpoint_where_verify_finds_it_with_no_arguments_and_a_deleted_checkpoint_fails()
    {
        var database = db.Scratch("cli_anchor");
        var documents = Directory.CreateTempSubdirectory("settle-demo-documents-");
        var demo = await SettleAsync(Defaults, "demo", "--days", "1", "--live-seconds", "0", "--no-dashboard", "--database", database,
            "--connection", db.ConnectionString, "--documents", documents.FullName);
        documents.Delete(recursive: true);
        Assert.True(demo.ExitCode == 0, demo.Output);
        var anchorLog = Path.Combine(_home.FullName, ".settlement", "anchors", database, AnchorLog.FileName);
        Assert.True(File.Exists(anchorLog), demo.Output);

        // As the README has it: no --database, and a connection string that names none.
        var serverOnly = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Database = null }.ConnectionString;
        var verified = await SettleAsync(Defaults, "verify", "--connection", serverOnly);
        await using (var superuser = new NpgsqlConnection(db.Server.AdministrationConnectionStringFor(database)))
        {
            await superuser.OpenAsync();
            await using var deleting = new NpgsqlCommand("SET session_replication_role = replica; DELETE FROM ledger.chain_checkpoints", superuser);
            await deleting.ExecuteNonQueryAsync();
        }
        var tampered = await SettleAsync(Defaults, "verify", "--connection", serverOnly);

        Assert.True(verified.ExitCode == 0, verified.Output);
        Assert.Contains($"Database {database}", verified.Output);
        Assert.Contains($"Anchors: 1 signed checkpoints in {anchorLog}", verified.Output);
        Assert.Contains("Verified: every chained event is exactly as it was chained, and every anchored checkpoint is in the database as anchored", verified.Output);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("NOT VERIFIED at event", tampered.Output);
        Assert.Contains("(checkpoint-missing)", tampered.Output);
    }

    [Fact]
    public async Task checkpoint_anchors_what_it_signs_where_verify_finds_it()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "cli_checkpoint_anchor");
        await ledger.AppendSessionsAsync(2);
        var key = Path.Combine(_home.FullName, "operator.pem");
        var created = await SettleAsync(Defaults, "signing-key", "create", "--out", key);

        var signed = await SettleAsync(Defaults, "checkpoint", "--key", key, "--database", ledger.DatabaseName, "--connection", db.ConnectionString);
        var verified = await SettleAsync(Defaults, "verify", "--public-key", Path.ChangeExtension(key, ".pub.pem"),
            "--database", ledger.DatabaseName, "--connection", db.ConnectionString);

        Assert.True(created.ExitCode == 0 && signed.ExitCode == 0, created.Output + signed.Output);
        var anchorLog = Path.Combine(_home.FullName, ".settlement", "anchors", ledger.DatabaseName, AnchorLog.FileName);
        Assert.Contains($"Anchored in {anchorLog}", signed.Output);
        Assert.True(verified.ExitCode == 0, verified.Output);
        Assert.Contains($"Anchors: 1 signed checkpoints in {anchorLog}; the latest pins event 4", verified.Output);
    }

    [Fact]
    public async Task verify_says_where_it_looked_when_no_anchor_was_found()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "cli_no_anchor");
        await ledger.AppendSessionsAsync(2);
        await ledger.Writer.CatchUpAsync();

        var run = await SettleAsync(Defaults, "verify", "--database", ledger.DatabaseName, "--connection", db.ConnectionString);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"No anchor found (looked for {Path.Combine(_home.FullName, ".settlement", "anchors", ledger.DatabaseName, AnchorLog.FileName)})", run.Output);
        Assert.Contains("weaker", run.Output);
    }

    [Fact]
    public async Task a_ledger_verify_cannot_read_is_a_clear_failure_with_the_position_not_a_crash()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "cli_unreadable");
        await ledger.AppendSessionsAsync(3);
        await ledger.Writer.CatchUpAsync();
        await ledger.TamperAsync("UPDATE ledger.mt_events SET timestamp = '20000-01-01' WHERE seq_id = 4");

        var run = await SettleAsync(Defaults, "verify", "--database", ledger.DatabaseName, "--connection", db.ConnectionString);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("NOT VERIFIED: the ledger could not be read past event 3", run.Output);
        Assert.DoesNotContain("   at ", run.Output);
    }

    [Fact]
    public async Task a_malformed_anchor_log_is_a_clear_failure_naming_its_line()
    {
        await using var ledger = await ChainedLedger.CreateAsync(db, "cli_bad_anchor");
        var log = Path.Combine(_home.FullName, ".settlement", "anchors", ledger.DatabaseName, AnchorLog.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        await File.WriteAllTextAsync(log, "not json\n");

        var run = await SettleAsync(Defaults, "verify", "--database", ledger.DatabaseName, "--connection", db.ConnectionString);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"NOT VERIFIED: {log} line 1 is not a signed checkpoint", run.Output);
        Assert.DoesNotContain("   at ", run.Output);
    }

    /// <summary>The console wraps long lines (a path goes to a line of its own): the messages as written, whatever the width.</summary>
    private static async Task<(int ExitCode, string Output)> SettleAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var run = await SettleProcess.RunAsync(environment, arguments);
        return (run.ExitCode, run.Output.Replace("\n", ""));
    }

    public void Dispose() => _home.Delete(recursive: true);
}
