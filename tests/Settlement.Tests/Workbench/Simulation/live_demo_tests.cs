using Npgsql;
using Settlement.Tests.Cli;

namespace Settlement.Tests.Workbench.Simulation;

/// <summary><c>settle demo</c> with its live part, run as a user runs it: a real process against the test server.</summary>
[Collection(LedgerCollection.Name)]
public sealed class live_demo_tests(LedgerDatabase db)
{
    private string DemoDatabase => db.Scratch("live_demo");

    [Fact]
    public async Task the_live_part_has_the_demo_chargers_talk_ocpp_and_what_they_said_is_in_the_ledger()
    {
        var documents = Directory.CreateTempSubdirectory("settle-live-demo-documents-");
        var run = await SettleProcess.RunAsync(db, "demo", "--days", "1", "--live-seconds", "3", "--no-dashboard", "--database", DemoDatabase,
            "--documents", documents.FullName);
        documents.Delete(recursive: true);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Appended to the ledger", run.Output);
        Assert.Contains("15 chargers connected", run.Output);
        Assert.Contains("Appended by the live traffic", run.Output);
        Assert.Contains("HTTP 200, Answered, the charger said Accepted", run.Output);
        Assert.Contains("1 resolved remotely, 1 escalated; 1 truck roll(s) avoided, 200 USD", run.Output.ReplaceLineEndings(" ").Replace("  ", " "));
        Assert.Contains("Halted: stage 0 failed its health gate", run.Output);
        await using var connection = new NpgsqlConnection(db.Server.ConnectionStringFor(DemoDatabase));
        await connection.OpenAsync();
        // Only what arrived over OCPP carries the frame it came from: in plain, or sealed when it names a driver.
        await using var live = new NpgsqlCommand("""
            SELECT count(*) FILTER (WHERE type = 'charger_booted_v1'),
                   count(*) FILTER (WHERE type = 'session_started_v2'),
                   count(*) FILTER (WHERE type = 'session_stopped_v1')
            FROM ledger.mt_events WHERE headers ? 'sourceMessage' OR headers ? 'sourceMessageSealed'
            """, connection);
        await using var reader = await live.ExecuteReaderAsync();
        await reader.ReadAsync();
        // The 15 chargers' boots, the 2 the self-healer's soft resets caused, and the rollout site's 4 chargers with the
        // canary's boot on its new firmware.
        Assert.Equal(15 + 2 + 4 + 1, reader.GetInt64(0));
        Assert.True(reader.GetInt64(1) > 0, "no session started over OCPP");
        Assert.Equal(reader.GetInt64(1), reader.GetInt64(2));
        await reader.CloseAsync();
        // The operator's remote start and the roaming partner's START_SESSION; every command sent has its outcome recorded,
        // and so have the local-list updates the partner's token causes.
        await using var commands = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE type = 'command_issued_v2'), count(*) FILTER (WHERE type = 'command_completed_v1'), " +
            "count(*) FILTER (WHERE type = 'command_issued_v2' AND data->>'action' IN ('RemoteStartTransaction', 'RequestStartTransaction')) " +
            "FROM ledger.mt_events", connection);
        await using var sent = await commands.ExecuteReaderAsync();
        await sent.ReadAsync();
        Assert.True(sent.GetInt64(1) >= sent.GetInt64(0), $"{sent.GetInt64(0)} commands issued, {sent.GetInt64(1)} outcomes recorded");
        Assert.Equal(2L, sent.GetInt64(2));
    }
}
