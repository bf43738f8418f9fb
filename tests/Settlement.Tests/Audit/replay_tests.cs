using Settlement.Projections;
using Marten;
using Npgsql;
using Settlement.Domain.Tariffs;
using Settlement.Host.Audit;
using Settlement.Ledger.Audit;
using Settlement.Ledger.Store;
using Settlement.Projections.Invoicing;
using Settlement.Projections.Tariffs;
using Settlement.Tests.Cli;

namespace Settlement.Tests.Audit;

/// <summary>
/// Replays a day of the demo (history, pricing, driver and partner invoices, a credit note, KPI catch-up),
/// written once per test process by the CLI itself, and compares the replay with the live read models.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class replay_tests(LedgerDatabase db)
{
    private static readonly SemaphoreSlim Writing = new(1, 1);
    private static string? _demo;

    private static readonly string[] IssuedKinds =
        [.. new[] { "Driver invoice", "Partner invoice", "Credit note" }.SelectMany(k => new[] { $"{k} JSON", $"{k} CSV", $"{k} PDF" })];

    private static readonly string[] ReportKinds =
        ["KPI figures", .. new[] { 2, 3, 4, 5 }.SelectMany(m => new[] { $"NEVI module {m} CSV", $"NEVI module {m} JSON" }), "AFIR feed"];

    [Fact]
    public async Task replaying_the_demo_from_zero_reproduces_every_issued_document_and_report_byte_for_byte()
    {
        var demo = await DemoAsync();
        await using var live = await LedgerStore.OpenAsync(demo, SettlementReadModels.All);
        var progressBefore = await LiveProgressAsync(live);

        await using var replay = await Replay.RunAsync(await OwnerOfDemoAsync(), SettlementReadModels.All, ReplayCut.Everything, "audit_full", _ => { }, CancellationToken.None);
        var comparison = await ReplayComparison.CompareAsync(live, replay, CancellationToken.None);

        Assert.Null(replay.ChangedFrom);
        Assert.Equal(progressBefore, await LiveProgressAsync(live));
        foreach (var kind in IssuedKinds.Concat(ReportKinds))
        {
            var compared = comparison.Kinds.Single(k => k.Kind == kind);
            Assert.True(compared.Compared > 0, $"no {kind} was compared");
            Assert.True(compared.Identical == compared.Compared, $"{kind}: {compared.Different} of {compared.Compared} differ");
        }
        Assert.All(comparison.Kinds, k => Assert.Equal(0, k.AfterCut));
        // Every read-model document too, the tariff directory's stream versions included: the demo publishes its
        // tariffs without an expected version, which once left the inline projection recording version 0.
        Assert.True(comparison.Kinds.Single(k => k.Kind == nameof(TariffHistory)).Compared > 0, "no tariff was compared");
        Assert.All(comparison.Kinds, k => Assert.Equal(k.Compared, k.Identical));
        Assert.Empty(comparison.Differences);
        Assert.True(comparison.Reproduced);
    }

    [Fact]
    public async Task every_event_the_demos_issued_documents_cite_is_recorded_at_that_version_with_that_type()
    {
        await using var live = await LedgerStore.OpenAsync(await DemoAsync(), SettlementReadModels.All);
        await using var query = live.Store.QuerySession();
        var documents = (await query.Query<InvoiceEntry>().ToListAsync()).Select(e => e.Document).ToList();

        var cited = documents.SelectMany(d => d.Sources).Distinct().ToList();
        var recorded = await RecordedTypesAsync(live, cited);

        Assert.Contains(cited, s => s.StreamId.StartsWith("tariff:", StringComparison.Ordinal));
        Assert.All(cited, s => Assert.Equal((s.StreamId, s.Version, s.EventType), (s.StreamId, s.Version, recorded.GetValueOrDefault((s.StreamId, s.Version), "(nothing recorded)"))));
    }

    [Fact]
    public async Task a_live_invoice_altered_by_sql_is_reported_with_its_document_and_line()
    {
        var demo = await DemoAsync();
        await using var live = await LedgerStore.OpenAsync(demo, SettlementReadModels.All);
        await using var replay = await Replay.RunAsync(await OwnerOfDemoAsync(), SettlementReadModels.All, ReplayCut.Everything, "audit_altered", _ => { }, CancellationToken.None);
        var invoice = await FirstDriverInvoiceAsync(live);

        // Read models are ordinary tables: nothing stops a hand-typed UPDATE, which is why the replay checks them.
        await ExecuteAsync(live, "update ledger.mt_doc_invoiceentry set data = jsonb_set(data, '{document,lines,0,description}', '\"Free energy\"') where id = @id", invoice.Id);
        ReplayComparison comparison;
        try
        {
            comparison = await ReplayComparison.CompareAsync(live, replay, CancellationToken.None);
        }
        finally
        {
            await ExecuteAsync(live, "update ledger.mt_doc_invoiceentry set data = jsonb_set(data, '{document,lines,0,description}', to_jsonb(@description::text)) where id = @id",
                invoice.Id, invoice.Document.Lines[0].Description);
        }

        Assert.False(comparison.Reproduced);
        var entry = Assert.Single(comparison.Differences, d => d.Kind == nameof(InvoiceEntry));
        Assert.Equal((invoice.Id, "$.document.lines[0].description", "\"Free energy\"", $"\"{invoice.Document.Lines[0].Description}\""),
            (entry.Document, entry.Where, entry.Live, entry.Replay));
        var json = Assert.Single(comparison.Differences, d => d.Kind == "Driver invoice JSON");
        Assert.Equal((invoice.Id, "$.lines[0].description", "\"Free energy\""), (json.Document, json.Where, json.Live));
        var csv = Assert.Single(comparison.Differences, d => d.Kind == "Driver invoice CSV");
        Assert.Equal((invoice.Id, "line 2"), (csv.Document, csv.Where));
        Assert.Contains("Free energy", csv.Live);
        Assert.Contains(invoice.Document.Lines[0].Description, csv.Replay);
        Assert.StartsWith("byte ", Assert.Single(comparison.Differences, d => d.Kind == "Driver invoice PDF").Where);
        Assert.Equal(1, comparison.Kinds.Single(k => k.Kind == "Driver invoice PDF").Different);
    }

    [Fact]
    public async Task a_replay_up_to_a_position_shows_the_read_models_as_they_were_then()
    {
        var demo = await DemoAsync();
        await using var live = await LedgerStore.OpenAsync(demo, SettlementReadModels.All);
        var (cut, stoppedLater) = await MidHistoryStopAsync(live);

        await using var replay = await Replay.RunAsync(await OwnerOfDemoAsync(), SettlementReadModels.All, new ReplayCut(Position: cut), "audit_cut", _ => { }, CancellationToken.None);
        var comparison = await ReplayComparison.CompareAsync(live, replay, CancellationToken.None);

        Assert.Equal(cut, replay.Position);
        Assert.Equal(cut, await ScalarAsync(replay.Ledger, "select count(*) from audit_cut.mt_events"));
        await using var then = replay.Ledger.Store.QuerySession();
        Assert.Equal(PricedSessionStatus.Running, (await then.LoadAsync<PricedSessionView>(stoppedLater))!.Status);
        Assert.Empty(await then.Query<InvoiceEntry>().ToListAsync());

        // The invoices were issued after the cut and the session stopped after it: listed, not failed.
        var invoice = await FirstDriverInvoiceAsync(live);
        Assert.Contains(comparison.AfterCut, d => d.Kind == "Driver invoice PDF" && d.Document == invoice.Id && d.Replay == "(absent)");
        Assert.Contains(comparison.AfterCut, d => d.Kind == nameof(PricedSessionView) && d.Document == stoppedLater && d.Where == "$.status");
        Assert.True(comparison.Differences.Count == 0, string.Join("\n", comparison.Differences.Take(10)));
    }

    [Fact]
    public async Task the_cli_replays_with_progress_and_a_summary_and_exits_0_when_the_replay_reproduces_everything()
    {
        var database = await DemoDatabaseAsync();

        var run = await SettleProcess.RunAsync(db, "replay", "--compare", "--schema", "audit_cli", "--database", database);

        Assert.Contains("Replayed", run.Output);
        Assert.Contains("Live compared with the replay", run.Output);
        Assert.Contains("Driver invoice PDF", run.Output);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("reproduces every live document", run.Output);
    }

    [Fact]
    public async Task the_cli_exits_1_and_lists_the_line_when_a_live_document_differs_from_its_replay()
    {
        var database = await DemoDatabaseAsync();
        await using var live = await LedgerStore.OpenAsync(await DemoAsync(), SettlementReadModels.All);
        var tariff = await FirstTariffAsync(live);
        var recorded = tariff.Versions[0].StreamVersion;

        // The difference this replay once found, put back by hand: the live directory citing stream version 0.
        await ExecuteAsync(live, "update ledger.mt_doc_tariffhistory set data = jsonb_set(data, '{versions,0,streamVersion}', '0') where id = @id", tariff.Id);
        (int ExitCode, string Output) run;
        try
        {
            run = await SettleProcess.RunAsync(db, "replay", "--compare", "--schema", "audit_cli_altered", "--database", database);
        }
        finally
        {
            await ExecuteAsync(live, $"update ledger.mt_doc_tariffhistory set data = jsonb_set(data, '{{versions,0,streamVersion}}', '{recorded}') where id = @id", tariff.Id);
        }

        Assert.True(run.ExitCode == 1, run.Output);
        Assert.Contains("streamVersion", run.Output);
        Assert.Contains("documents differ from their replay", run.Output);
    }

    [Fact]
    public async Task the_live_ledger_is_not_a_replay_schema()
    {
        var demo = await DemoAsync();
        var owner = await OwnerOfDemoAsync();
        await using var live = await LedgerStore.OpenAsync(demo, SettlementReadModels.All);

        var refused = await Assert.ThrowsAsync<ArgumentException>(() =>
            Replay.RunAsync(owner, SettlementReadModels.All, ReplayCut.Everything, LedgerStore.Schema, _ => { }, CancellationToken.None));

        Assert.Contains("cannot be a replay schema", refused.Message);
        Assert.True(await ScalarAsync(live, "select count(*) from ledger.mt_events") > 0);
    }

    private async Task<string> DemoAsync() => db.Server.ConnectionStringFor(await DemoDatabaseAsync());

    /// <summary>A replay creates a schema of its own, which only the ledger's owner may.</summary>
    private async Task<string> OwnerOfDemoAsync() => db.Server.MigrationConnectionStringFor(await DemoDatabaseAsync());

    /// <summary>The demo's own day of history, written by <c>settle demo</c> once per test process.</summary>
    private async Task<string> DemoDatabaseAsync()
    {
        await Writing.WaitAsync();
        try
        {
            if (_demo is not null) return _demo;
            var database = db.Scratch("replay_demo");
            var documents = Directory.CreateTempSubdirectory("settle-replay-documents-");
            var run = await SettleProcess.RunAsync(db, "demo", "--days", "1", "--live-seconds", "0", "--no-dashboard", "--database", database, "--documents", documents.FullName);
            documents.Delete(recursive: true);
            Assert.True(run.ExitCode == 0, run.Output);
            // The CLI migrated as the administrator; migrating here hands the database to the owner role.
            await db.Server.MigrateAsync(database, SettlementReadModels.All, CancellationToken.None);
            return _demo = database;
        }
        finally
        {
            Writing.Release();
        }
    }

    private static async Task<InvoiceEntry> FirstDriverInvoiceAsync(Settlement.Ledger.Ledger live)
    {
        await using var query = live.Store.QuerySession();
        return (await query.Query<InvoiceEntry>().ToListAsync())
            .Where(e => e.Document.Kind == Settlement.Domain.Invoicing.InvoiceKind.SessionInvoice).MinBy(e => e.Id, StringComparer.Ordinal)!;
    }

    private static async Task<Dictionary<(string Stream, long Version), string>> RecordedTypesAsync(
        Settlement.Ledger.Ledger live, IReadOnlyList<Settlement.Domain.Invoicing.SourceEvent> sources)
    {
        await using var command = live.DataSource.CreateCommand(
            "select e.stream_id, e.version, e.type from ledger.mt_events e " +
            "join unnest(@streams, @versions) as cited(stream_id, version) on e.stream_id = cited.stream_id and e.version = cited.version");
        command.Parameters.Add(new NpgsqlParameter<string[]>("streams", sources.Select(s => s.StreamId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<long[]>("versions", sources.Select(s => s.Version).ToArray()));
        var types = new Dictionary<(string, long), string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) types[(reader.GetString(0), reader.GetInt64(1))] = reader.GetString(2);
        return types;
    }

    private static async Task<TariffHistory> FirstTariffAsync(Settlement.Ledger.Ledger live)
    {
        await using var query = live.Store.QuerySession();
        return (await query.Query<TariffHistory>().ToListAsync()).MinBy(t => t.Id, StringComparer.Ordinal)!;
    }

    /// <summary>A position halfway through the history, and a session that stopped after it.</summary>
    private static async Task<(long Cut, string SessionId)> MidHistoryStopAsync(Settlement.Ledger.Ledger live)
    {
        await using var command = live.DataSource.CreateCommand(
            "select seq_id, stream_id from ledger.mt_events where type = 'session_stopped_v1' and seq_id > " +
            "(select max(seq_id) / 2 from ledger.mt_events where type = 'session_stopped_v1') order by seq_id limit 1");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0) - 1, reader.GetString(1)["session:".Length..]);
    }

    private static async Task ExecuteAsync(Settlement.Ledger.Ledger ledger, string sql, string id, string? description = null)
    {
        await using var command = ledger.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string>("id", id));
        if (description is not null) command.Parameters.Add(new NpgsqlParameter<string>("description", description));
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    /// <summary>The live projections' progress rows, which a replay must leave alone.</summary>
    private static async Task<string> LiveProgressAsync(Settlement.Ledger.Ledger live)
    {
        await using var command = live.DataSource.CreateCommand(
            "select string_agg(name || '=' || last_seq_id || '@' || last_updated, ', ' order by name) from ledger.mt_event_progression");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> ScalarAsync(Settlement.Ledger.Ledger ledger, string sql)
    {
        await using var command = ledger.DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
