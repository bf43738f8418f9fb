using Settlement.Projections;
using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Host;
using Settlement.Host.Audit;
using Settlement.Ledger.Audit;
using Settlement.Ledger.Store;
using Settlement.Tests.Audit;

namespace Settlement.Tests.Audit;

/// <summary>Two hosts on one database, both scheduling the operator's signed checkpoints: every occurrence runs once.</summary>
[Collection(LedgerCollection.Name)]
public sealed class checkpoint_schedule_tests(LedgerDatabase db) : IDisposable
{
    private const string EveryTwoSeconds = "*/2 * * * * *";
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"settlement-checkpoint-{Guid.NewGuid():N}.pem");
    private readonly DirectoryInfo _anchors = Directory.CreateTempSubdirectory("settle-anchors-");

    public void Dispose()
    {
        File.Delete(_keyFile);
        _anchors.Delete(recursive: true);
    }

    [Fact]
    public async Task each_occurrence_runs_on_one_host_once_and_the_checkpoints_cover_the_chain_without_overlap()
    {
        using var operatorKey = CheckpointKeys.Create();
        await File.WriteAllTextAsync(_keyFile, operatorKey.ExportPkcs8PrivateKeyPem());
        await using var ledger = await ChainedLedger.CreateAsync(db, "checkpoint_schedule");
        await using var otherLedger = await LedgerStore.OpenAsync(db.Server.ConnectionStringFor(db.Scratch("checkpoint_schedule")), SettlementReadModels.All);
        var appended = 0;
        await using (var first = await StartAsync(ledger.Ledger, EveryTwoSeconds))
        await using (var second = await StartAsync(otherLedger, EveryTwoSeconds))
        {
            // When events keep arriving while both hosts run the schedule
            var appending = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (DateTime.UtcNow < appending)
            {
                await ledger.AppendSessionsAsync(1);
                appended += 2;
                await Task.Delay(250);
            }
            await WaitUntilAsync(async () =>
                (await Checkpoints.AllAsync(ledger.Ledger)) is [.., var last] && last.Statement.Sequence == appended
                && (await RunsAsync(ledger)).Count(run => run.State == "Succeeded") >= 3);
            await first.StopAsync();
            await second.StopAsync();
        }
        var runs = await RunsAsync(ledger);
        var checkpoints = await Checkpoints.AllAsync(ledger.Ledger);
        var anchored = AnchorLog.For(ledger.DatabaseName, _anchors.FullName).Read();
        var verification = await LedgerVerification.VerifyAsync(ledger.Ledger, CheckpointKeys.IdOf(operatorKey), anchored);

        // Then no occurrence was enqueued twice, no job ran twice, and every one that ran succeeded
        Assert.True(runs.Count(run => run.State == "Succeeded") >= 3, $"only {runs.Count} occurrences ran");
        Assert.All(runs.GroupBy(run => run.Occurrence), occurrence => Assert.Single(occurrence));
        Assert.All(runs, run => Assert.InRange(run.Processings, 0, 1));
        Assert.All(runs.Where(run => run.Processings == 1), run => Assert.Equal("Succeeded", run.State));
        // and each checkpoint starts where the one before ended, up to the head
        Assert.Equal([0, .. checkpoints.SkipLast(1).Select(c => c.Statement.Sequence)], checkpoints.Select(c => c.Statement.FromSequence));
        Assert.Equal(appended, checkpoints[^1].Statement.Sequence);
        Assert.All(checkpoints, checkpoint => Assert.True(checkpoint.SignatureIsValid()));
        // and each was anchored outside the database, where verify holds the ledger to it
        Assert.Equal(checkpoints.Select(c => c.Statement.Sequence), anchored.Select(c => c.Statement.Sequence).Order());
        Assert.Equal(checkpoints.Count, verification.CheckpointsAnchored);
        Assert.Null(verification.Problem);
        Assert.Equal(appended, verification.EventsVerified);
    }

    [Fact]
    public async Task a_key_file_that_holds_no_private_key_stops_the_host_with_the_setting_named()
    {
        await File.WriteAllTextAsync(_keyFile, "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n");

        var refused = Assert.Throws<InvalidDataException>(() => Build(db.Ledger, _keyFile, cron: null));

        Assert.Equal($"{CheckpointSchedule.KeyFileSetting}: {_keyFile} is not an ECDSA private key in PEM form (create one with `settle signing-key create`).", refused.Message);
    }

    [Fact]
    public void a_missing_key_file_stops_the_host_with_the_setting_named()
    {
        var refused = Assert.Throws<InvalidDataException>(() => Build(db.Ledger, _keyFile, cron: null));

        Assert.StartsWith($"{CheckpointSchedule.KeyFileSetting} names {_keyFile}, which does not exist", refused.Message);
    }

    [Fact]
    public async Task a_host_without_a_checkpoint_key_schedules_no_checkpoints()
    {
        await using var app = SettlementHost.Build(db.Ledger, "test database", "http://127.0.0.1:0");

        Assert.Null(app.Services.GetService<CheckpointJob>());
    }

    [Fact]
    public async Task a_bad_cron_stops_the_host_at_start_with_the_setting_named()
    {
        using var operatorKey = CheckpointKeys.Create();
        await File.WriteAllTextAsync(_keyFile, operatorKey.ExportPkcs8PrivateKeyPem());
        await using var ledger = await ChainedLedger.CreateAsync(db, "checkpoint_bad_cron");
        await using var app = Build(ledger.Ledger, _keyFile, "every ten minutes");

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => app.StartAsync());

        Assert.StartsWith($"{CheckpointSchedule.CronSetting} 'every ten minutes' is not a cron expression", refused.Message);
    }

    private async Task<WebApplication> StartAsync(Settlement.Ledger.Ledger ledger, string cron)
    {
        var app = Build(ledger, _keyFile, cron);
        await app.StartAsync();
        return app;
    }

    /// <summary>The settings are read once, when the host is built; the ledger tests run one at a time, so no other host sees them.</summary>
    private WebApplication Build(Settlement.Ledger.Ledger ledger, string keyFile, string? cron)
    {
        Environment.SetEnvironmentVariable("Audit__CheckpointKeyFile", keyFile);
        Environment.SetEnvironmentVariable("Audit__CheckpointCron", cron);
        Environment.SetEnvironmentVariable("Audit__AnchorDirectory", _anchors.FullName);
        try
        {
            return SettlementHost.Build(ledger, "test database", "http://127.0.0.1:0");
        }
        finally
        {
            Environment.SetEnvironmentVariable("Audit__CheckpointKeyFile", null);
            Environment.SetEnvironmentVariable("Audit__CheckpointCron", null);
            Environment.SetEnvironmentVariable("Audit__AnchorDirectory", null);
        }
    }

    private sealed record Run(long JobId, string Occurrence, string State, long Processings);

    /// <summary>The jobs Hangfire created for occurrences of the recurring job, as its tables record them.</summary>
    private static async Task<IReadOnlyList<Run>> RunsAsync(ChainedLedger ledger)
    {
        await using var command = ledger.DataSource.CreateCommand($"""
            SELECT j.id, occurrence.value, j.statename,
                   (SELECT count(*) FROM {CheckpointSchedule.Schema}.state s WHERE s.jobid = j.id AND s.name = 'Processing')
            FROM {CheckpointSchedule.Schema}.job j
            JOIN {CheckpointSchedule.Schema}.jobparameter occurrence ON occurrence.jobid = j.id AND occurrence.name = 'Time'
            JOIN {CheckpointSchedule.Schema}.jobparameter recurring ON recurring.jobid = j.id AND recurring.name = 'RecurringJobId'
            WHERE recurring.value = '"{CheckpointSchedule.JobId}"'
            """);
        await using var rows = await command.ExecuteReaderAsync();
        var runs = new List<Run>();
        while (await rows.ReadAsync())
            runs.Add(new Run(rows.GetInt64(0), rows.GetString(1), rows.IsDBNull(2) ? "" : rows.GetString(2), rows.GetInt64(3)));
        return runs;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The scheduled checkpoints did not catch up within 15 s.");
            await Task.Delay(200);
        }
    }
}
