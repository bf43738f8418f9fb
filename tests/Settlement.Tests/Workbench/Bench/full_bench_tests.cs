using System.Text.Json;
using Settlement.Tests.Cli;

namespace Settlement.Tests.Workbench.Bench;

/// <summary><c>settle bench</c> end to end at tiny sizes: every figure it promises lands in the JSON file.</summary>
[Collection(LedgerCollection.Name)]
public sealed class full_bench_tests(LedgerDatabase db)
{
    private static readonly string[] MeasuredKeys =
    [
        "cores", "runs", "raw_batch_rows_per_s", "raw_copy_rows_per_s", "append_events_per_s", "append_single_events_per_s",
        "append_to_raw_batch", "raw_batch_cpu_us_per_row", "append_cpu_us_per_event", "append_single_cpu_us_per_event",
        "ocpp_chargers", "ocpp_warmup_s", "ocpp_calls_per_s", "ocpp_p50_ms", "ocpp_p95_ms", "ocpp_p99_ms", "ocpp_to_raw_batch",
        "host_memory_mb", "rebuild_events_per_s", "pricing_sessions_per_s", "invoices_per_s", "verify_events_per_s", "chain_events_per_s",
    ];

    [Fact]
    public async Task one_run_writes_every_figure_as_a_number_including_the_hash_chain_rates()
    {
        var json = Path.Combine(Path.GetTempPath(), $"settle-bench-{Guid.NewGuid():N}.json");

        // No waiting for the host's JIT: it could add up to a minute to the suite.
        var run = await SettleProcess.RunAsync(db, "bench", "--runs", "1", "--days", "1", "--rows", "500", "--writers", "4", "--chargers", "2",
            "--duration", "1", "--warmup", "1", "--jit-wait", "0", "--sessions", "200", "--invoices", "5", "--json", json,
            "--database", db.Scratch("bench_all"));

        Assert.True(run.ExitCode == 0, run.Output);
        using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = figures.RootElement;
        Assert.Equal(MeasuredKeys.Order(StringComparer.Ordinal),
            root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var key in MeasuredKeys)
            Assert.True(root.GetProperty(key) is { ValueKind: JsonValueKind.Number } value && value.GetDouble() > 0, $"{key} is {root.GetProperty(key)}");
        Assert.Equal(1, root.GetProperty("runs").GetInt32());
        Assert.Equal(2, root.GetProperty("ocpp_chargers").GetInt32());
        Assert.Equal(1, root.GetProperty("ocpp_warmup_s").GetInt32());
        File.Delete(json);
    }

    [Theory]
    [InlineData("bench", "--jit-wait", "-1")]
    [InlineData("bench", "ocpp", "--jit-wait", "-1")]
    public async Task a_negative_wait_for_the_jit_is_refused_before_anything_runs(params string[] args)
    {
        var run = await SettleProcess.RunAsync(db, args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--jit-wait at least 0", run.Output);
    }
}
