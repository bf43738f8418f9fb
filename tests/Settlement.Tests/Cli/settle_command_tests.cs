using Npgsql;

namespace Settlement.Tests.Cli;

/// <summary>The settle CLI as a user runs it: a real process against the same PostgreSQL bootstrap.</summary>
[Collection(LedgerCollection.Name)]
public sealed class settle_command_tests(LedgerDatabase db)
{
    private string DemoDatabase => db.Scratch("cli_demo");

    [Fact]
    public async Task demo_appends_a_day_of_history_and_reports_what_it_appended()
    {
        var documents = Directory.CreateTempSubdirectory("settle-demo-documents-");
        var run = await SettleProcess.RunAsync(db, "demo", "--days", "1", "--live-seconds", "0", "--no-dashboard", "--database", DemoDatabase,
            "--documents", documents.FullName);

        Assert.True(run.ExitCode == 0, run.Output);
        // --no-dashboard: the demo ended on its own, with no host left serving.
        Assert.DoesNotContain("Dashboard:", run.Output);
        Assert.Contains("Appended to the ledger", run.Output);
        Assert.Contains("charging sessions delivered", run.Output);
        var reported = long.Parse(System.Text.RegularExpressions.Regex.Match(run.Output, @"([\d,]+) events in").Groups[1].Value.Replace(",", ""));
        await using var connection = new NpgsqlConnection(db.Server.ConnectionStringFor(DemoDatabase));
        await connection.OpenAsync();
        // Billing appends its own events after the history (the jurisdictions, rates, issuer, the US site's sales tax, the
        // roaming sessions' CDRs, the documents, and the payments of the bank statement), and the demo's operator key its own.
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM ledger.mt_events WHERE type NOT IN ('site_jurisdiction_resolved_v1', 'tax_rate_set_v1', " +
            "'invoice_issuer_registered_v2', 'site_sales_tax_defined_v1', 'cdr_issued_v2', 'invoice_issued_v1', 'credit_note_issued_v1', " +
            "'payment_received_v1', 'bank_statement_imported_v1', 'api_key_created_v1')", connection);
        Assert.Equal(reported, (long)(await count.ExecuteScalarAsync())!);

        // Every session the day started was priced by the projection, none left unpriced.
        Assert.Contains("Priced sessions", run.Output);
        Assert.DoesNotContain("could not be priced", run.Output);
        await using var priced = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE data->>'status' = 'Stopped' AND data->'price' IS NOT NULL), count(*) FROM ledger.mt_doc_pricedsessionview", connection);
        await using var reader = await priced.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.True(reader.GetInt64(1) > 0);
        Assert.Equal(reader.GetInt64(1), reader.GetInt64(0));
        await reader.CloseAsync();

        // Every stopped session is billed, to its driver or to its roaming partner, and the documents are on disk.
        await using var unbilled = new NpgsqlCommand(
            "SELECT count(*) FROM ledger.mt_doc_pricedsessionview p WHERE data->>'status' = 'Stopped' " +
            "AND NOT EXISTS (SELECT 1 FROM ledger.mt_doc_sessionbilling b WHERE b.id = p.id)", connection);
        Assert.Equal(0L, (long)(await unbilled.ExecuteScalarAsync())!);
        Assert.Contains("Issued documents", run.Output);
        Assert.Contains("VAT and US sales tax by jurisdiction", run.Output);
        Assert.Contains(documents.GetFiles("*.pdf"), f => f.Length > 1_000);
        Assert.True(File.Exists(Path.Combine(documents.FullName, "journal.csv")));
        Assert.Contains("KPIs 2026-10-01 to 2026-10-01", run.Output);

        // The NEVI site's EV-ChART modules are on disk beside the invoices, and each passes the upload rules; uptime is
        // reported per whole month, which a day is not.
        Assert.False(File.Exists(Path.Combine(documents.FullName, "nevi-module-3.csv")));
        foreach (var module in Enum.GetValues<Settlement.Domain.Reports.NeviModule>().Except([Settlement.Domain.Reports.NeviModule.Uptime]))
        {
            var file = await File.ReadAllTextAsync(Path.Combine(documents.FullName, $"nevi-module-{(int)module}.csv"));
            Assert.Empty(Settlement.Domain.Reports.EvChartValidator.Validate(module, file));
            Assert.Contains("US-DEN", file);
        }
        Assert.Contains("maintenance visits", await File.ReadAllTextAsync(Path.Combine(documents.FullName, "nevi-module-5.csv")));

        // The regulator report of that day, from the same database, passes EV-ChART's upload checks.
        var report = Path.Combine(documents.FullName, "module-2.csv");
        var nevi = await SettleProcess.RunAsync(db, "report", "nevi", "--module", "2", "--from", "2026-10-01", "--through", "2026-10-01",
            "--site", "US-DEN", "--out", report, "--database", DemoDatabase);
        Assert.True(nevi.ExitCode == 0, nevi.Output);
        var csv = await File.ReadAllTextAsync(report);
        Assert.Empty(Settlement.Domain.Reports.EvChartValidator.Validate(Settlement.Domain.Reports.NeviModule.ChargingSessions, csv));
        Assert.Contains("US-DEN-01/1", csv);
        documents.Delete(recursive: true);
    }

    [Fact]
    public async Task a_bad_date_is_refused_with_a_message_and_exit_code_2()
    {
        var run = await SettleProcess.RunAsync("demo", "--from", "31/10/2026", "--no-dashboard");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--from must be a date like 2026-10-01", run.Output);
    }

    [Theory]
    [InlineData("precious_demo", "demo", "--live-seconds", "0", "--no-dashboard")]
    [InlineData("precious_ocpp", "bench", "ocpp", "--chargers", "1")]
    [InlineData("precious_append", "bench", "append", "--runs", "1")]
    public async Task demo_and_bench_pointed_at_a_database_they_did_not_create_refuse_to_drop_it(string purpose, params string[] command)
    {
        var precious = db.Scratch(purpose);
        await db.Server.EnsureDatabaseAsync(precious, CancellationToken.None);
        await Sql.ScalarAsync(db.Server.MigrationConnectionStringFor(precious), "create table if not exists ledger_rows (id int); insert into ledger_rows values (1)");

        var run = await SettleProcess.RunAsync(db, [.. command, "--database", precious]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"database '{precious}' exists and was not created by settle demo or bench, so it is not dropped", run.Output);
        Assert.Equal(1L, await Sql.ScalarAsync(db.Server.MigrationConnectionStringFor(precious), "select count(*) from ledger_rows"));
    }

    [Fact]
    public async Task an_unreachable_server_is_one_clear_line_not_a_stack_trace()
    {
        var run = await SettleProcess.RunAsync("serve", "--connection", "Host=127.0.0.1;Port=1;Username=x;Password=y");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("cannot reach PostgreSQL at 127.0.0.1:1", run.Output);
        Assert.DoesNotContain("   at ", run.Output);
    }

    [Fact]
    public async Task schemas_reports_every_event_matching_its_contract()
    {
        var run = await SettleProcess.RunAsync("schemas");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("session_started_v1", run.Output);
        Assert.DoesNotContain("drifted", run.Output);
    }
}
