using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;
using Npgsql;
using Settlement.Domain.Access;
using Settlement.Host.Audit;
using Settlement.Ledger.Audit;

namespace Settlement.Tests.Audit;

/// <summary>
/// The dashboard's Evidence page asks the host what `settle verify`, `settle replay --compare` and `settle export` do:
/// each test has a ledger of its own (the shared one must stay verifiable) served by a host whose anchors are in a
/// directory of the test's.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class evidence_endpoint_tests(LedgerDatabase db) : IAsyncLifetime
{
    private readonly string _anchors = Path.Combine(Path.GetTempPath(), "settlement-evidence-anchors-" + Guid.NewGuid().ToString("N"));
    private readonly List<IAsyncDisposable> _opened = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var opened in Enumerable.Reverse(_opened)) await opened.DisposeAsync();
        if (Directory.Exists(_anchors)) Directory.Delete(_anchors, recursive: true);
    }

    [Fact]
    public async Task a_verify_run_on_an_intact_ledger_ends_passed_with_every_position_checked()
    {
        var (ledger, host) = await ServedAsync("evidence_intact", sessions: 30);
        var last = await ledger.ScalarAsync("SELECT max(seq_id) FROM ledger.mt_events");

        var started = await host.Http.PostAsync("/api/audit/verify-runs", null);
        var run = await EndedAsync(host.Http, started);

        Assert.Equal("passed", run.GetProperty("status").GetString());
        Assert.Equal(last, run.GetProperty("total").GetInt64());
        Assert.Equal(run.GetProperty("total").GetInt64(), run.GetProperty("checked").GetInt64());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("firstBroken").ValueKind);
        Assert.Equal("Verified: every chained event is exactly as it was chained.", run.GetProperty("verdict").GetString());
        Assert.NotEqual(JsonValueKind.Null, run.GetProperty("finishedAt").ValueKind);
    }

    [Fact]
    public async Task a_verify_run_after_an_event_was_edited_in_sql_fails_naming_that_event_and_its_stream()
    {
        var (ledger, host) = await ServedAsync("evidence_edited", sessions: 20);
        var victim = await ledger.ScalarAsync("SELECT seq_id FROM ledger.mt_events WHERE type = 'session_stopped_v1' ORDER BY seq_id OFFSET 7 LIMIT 1");
        var stream = (string)(await Sql.ScalarAsync(db.Server.ConnectionStringFor(ledger.DatabaseName), $"SELECT stream_id FROM ledger.mt_events WHERE seq_id = {victim}"))!;

        await ledger.TamperAsync($"UPDATE ledger.mt_events SET data = jsonb_set(data, '{{meterStopWh}}', '9001') WHERE seq_id = {victim}");
        var run = await EndedAsync(host.Http, await host.Http.PostAsync("/api/audit/verify-runs", null));

        Assert.Equal("failed", run.GetProperty("status").GetString());
        var broken = run.GetProperty("firstBroken");
        Assert.Equal(victim, broken.GetProperty("sequence").GetInt64());
        Assert.Equal(stream, broken.GetProperty("streamId").GetString());
        Assert.Equal("event-altered", broken.GetProperty("kind").GetString());
        Assert.Equal(victim - 1, run.GetProperty("checked").GetInt64());
        Assert.StartsWith($"NOT VERIFIED at event {victim:N0} (event-altered): event {victim} differs from what was chained", run.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task a_second_verify_run_asked_for_while_one_runs_is_refused_with_409_naming_the_running_one()
    {
        var (ledger, host) = await ServedAsync("evidence_busy", sessions: 5);
        // The administrator holds the chain table, so the first run waits on its first read until the lock is let go.
        await using var administrator = new NpgsqlConnection(db.Server.AdministrationConnectionStringFor(ledger.DatabaseName));
        await administrator.OpenAsync();
        var holding = await administrator.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE ledger.chain_links IN ACCESS EXCLUSIVE MODE", administrator, holding))
            await lockTable.ExecuteNonQueryAsync();

        var first = await host.Http.PostAsync("/api/audit/verify-runs", null);
        var firstRun = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString();
        var second = await host.Http.PostAsync("/api/audit/verify-runs", null);
        var refusal = await second.Content.ReadFromJsonAsync<JsonElement>();
        var stillRunning = await host.Http.GetFromJsonAsync<JsonElement>($"/api/audit/verify-runs/{firstRun}");
        await holding.RollbackAsync();

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal($"/api/audit/verify-runs/{firstRun}", first.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(firstRun, refusal.GetProperty("runId").GetString());
        Assert.Contains($"Verify run {firstRun} is under way", refusal.GetProperty("error").GetString());
        Assert.Equal("running", stillRunning.GetProperty("status").GetString());
        Assert.Equal("passed", (await EndedAsync(host.Http, first)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task the_bundle_of_a_period_is_a_zip_of_what_settle_export_writes_and_verifies_as_a_bundle()
    {
        var (ledger, host) = await ServedAsync("evidence_bundle", sessions: 10);
        var today = SystemClock.Instance.GetCurrentInstant().InUtc().Date;
        var (from, to) = (LocalDatePattern.Iso.Format(today.PlusDays(-1)), LocalDatePattern.Iso.Format(today));
        var events = await ledger.ScalarAsync("SELECT count(*) FROM ledger.mt_events");

        using var response = await host.Http.GetAsync($"/api/audit/bundle?from={from}&to={to}", HttpCompletionOption.ResponseHeadersRead);
        var unpacked = Path.Combine(_anchors, "bundle");
        await using (var zip = await response.Content.ReadAsStreamAsync())
            await ZipFile.ExtractToDirectoryAsync(zip, unpacked, overwriteFiles: false, CancellationToken.None);
        var verified = BundleVerification.Verify(unpacked, trustedKeyId: null, new BundleDocuments());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"settlement-audit-{from}-to-{to}.zip", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.True(File.Exists(Path.Combine(unpacked, AuditBundle.Manifest)));
        var lines = File.ReadLines(Path.Combine(unpacked, AuditBundle.Events)).Count();
        // Every session's start and stop at least; the key the host made is recorded too.
        Assert.InRange(lines, 2 * 10, events);
        Assert.Empty(verified.Problems);
        // A redacted event (a secret the bundle withholds) keeps its line and its place in the chain, but not its hash.
        Assert.Equal(lines, verified.EventsVerified + verified.EventsRedacted);
        Assert.Equal(lines, verified.Manifest!.Counts.Events);
    }

    [Fact]
    public async Task a_bundle_of_more_than_366_days_is_refused_naming_the_field()
    {
        var (_, host) = await ServedAsync("evidence_long", sessions: 1);

        var response = await host.Http.GetAsync("/api/audit/bundle?from=2026-01-01&to=2027-01-02");
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("to 2027-01-02 is more than 366 days after from 2026-01-01: ask for at most 366 days at a time.", error);
    }

    [Fact]
    public async Task a_replay_run_ends_with_the_comparison_per_kind_and_the_sessions_reproduced()
    {
        var purpose = "evidence_replay";
        var (_, host) = await ServedAsync(purpose, sessions: 5,
            (ReplayRun.ConnectionSetting, db.Server.MigrationConnectionStringFor(db.Scratch(purpose))));
        await host.Services.GetRequiredService<Settlement.Ledger.Store.AsyncProjections>().WaitForNonStaleDataAsync(TimeSpan.FromSeconds(60));

        var run = await EndedAsync(host.Http, await host.Http.PostAsync("/api/audit/replay-runs", null), TimeSpan.FromMinutes(5));

        // A running host's OCPI relay keeps a progress document no replay writes, so the verdict is the comparison's to give, not assumed here.
        var comparison = run.GetProperty("comparison");
        var sessions = comparison.GetProperty("kinds").EnumerateArray().Single(k => k.GetProperty("kind").GetString() == "SessionEntry");
        Assert.Equal(comparison.GetProperty("reproduced").GetBoolean() ? "passed" : "failed", run.GetProperty("status").GetString());
        Assert.Equal(5, sessions.GetProperty("compared").GetInt32());
        Assert.Equal(5, sessions.GetProperty("identical").GetInt32());
        Assert.Equal(0, comparison.GetProperty("moreDifferences").GetInt32());
    }

    [Fact]
    public async Task a_finance_key_is_refused_every_evidence_endpoint()
    {
        var (_, host) = await ServedAsync("evidence_finance", sessions: 1);
        var finance = host.Client(await host.CreateKeyAsync(AccessRole.Finance));

        var answers = new[]
        {
            await finance.PostAsync("/api/audit/verify-runs", null),
            await finance.GetAsync("/api/audit/verify-runs/any"),
            await finance.PostAsync("/api/audit/replay-runs", null),
            await finance.GetAsync("/api/audit/replay-runs/any"),
            await finance.GetAsync("/api/audit/bundle?from=2026-10-01&to=2026-10-31"),
        };

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode));
    }

    /// <summary>Given a ledger of its own with sessions appended and chained, served by a host.</summary>
    private async Task<(ChainedLedger Ledger, TestHost Host)> ServedAsync(string purpose, int sessions, params (string Name, string Value)[] settings)
    {
        var ledger = await ChainedLedger.CreateAsync(db, purpose);
        _opened.Add(ledger);
        await ledger.AppendSessionsAsync(sessions);
        var given = new Dictionary<string, string?> { [AnchorLog.Setting] = _anchors };
        foreach (var (name, value) in settings) given[name] = value;
        var host = await new TestHost(db, ledger: ledger.Ledger, settings: given).StartAsync();
        _opened.Add(host);
        await ledger.Writer.CatchUpAsync();
        return (ledger, host);
    }

    /// <summary>The run the answer to its POST started, asked about until it ended.</summary>
    private static async Task<JsonElement> EndedAsync(HttpClient http, HttpResponseMessage started, TimeSpan? patience = null)
    {
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var location = started.Headers.Location!.ToString();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var run = await http.GetFromJsonAsync<JsonElement>(location);
            if (run.GetProperty("status").GetString() != "running") return run;
            Assert.True(waited.Elapsed < (patience ?? TimeSpan.FromSeconds(60)), $"the run did not end: {run}");
            await Task.Delay(100);
        }
    }
}
