using Settlement.Projections;
using System.Diagnostics;
using Npgsql;
using Settlement.Ledger.Database;
using Settlement.Ledger.Store;
using Settlement.Ocpp.Framing;
using Settlement.Workbench.Simulation;
using Spectre.Console;

namespace Settlement.Workbench.Bench;

public enum ProtocolMix { Ocpp16, Ocpp201, Mixed }

/// <param name="HostPoolSize">The host's connection budget (Database:MaxConnections); null sizes it to the server.</param>
/// <param name="Warmup">
/// The same loop, unmeasured, before the measured one: a fresh host spends its first seconds under load compiling
/// its hot paths again, a cost a long-running host paid long ago.
/// </param>
/// <param name="JitWait">How much longer the warm-up may go on while the host's tiered JIT is still recompiling.</param>
public sealed record OcppBenchOptions(int Chargers, TimeSpan Duration, ProtocolMix Protocols, int ConnectConcurrency, int? HostPoolSize, TimeSpan Warmup,
    TimeSpan JitWait);

/// <summary>
/// <c>settle bench ocpp</c>: N simulated chargers against the host in its own process, each with one meter-value
/// CALL outstanding at a time, then PostgreSQL alone with the same rows, to judge the ledger's ingest against it.
/// </summary>
internal sealed class OcppBench(DatabaseServer server, string database, OcppBenchOptions options)
{
    public const string Password = "bench-charger-password-0001";
    private const string SiteId = "BENCH-SITE";
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);

    private readonly List<(TimeSpan At, long Resident)> _memory = [];

    public async Task<OcppBenchReport> RunAsync(CancellationToken ct)
    {
        await server.RecreateScratchDatabaseAsync(database, ct);
        await server.MigrateAsync(database, SettlementReadModels.All, ct);
        var connectionString = server.ConnectionStringFor(database);
        await using var queries = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = 2 } }.Build();
        var hostPool = options.HostPoolSize ?? await FittingPoolSizeAsync(queries, ct);
        // Registers the chargers, then tells what the host appended; it writes nothing while the host runs.
        await using var ledger = await LedgerStore.OpenAsync(connectionString, SettlementReadModels.All, ct, budget: new ConnectionBudget(ConnectionBudget.Minimum));
        var chargers = Enumerable.Range(1, options.Chargers).Select(Definition).ToList();
        var report = new OcppBenchReport { Options = options, HostPoolSize = hostPool, Database = database, Server = server.Description };

        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var registering = progress.AddTask($"Registering {chargers.Count:N0} chargers", maxValue: chargers.Count);
                await ChargerRegistration.RegisterAsync(ledger, chargers, SiteId, n => registering.Increment(n), ct);
                registering.StopTask();

                var starting = progress.AddTask("Starting the host process", maxValue: 1);
                await using var host = await HostProcess.StartAsync(HostProcess.RunningSettle, database, connectionString, ct, Budget(hostPool),
                    migrationConnectionString: server.MigrationConnectionStringFor(database));
                starting.Increment(1);
                starting.StopTask();
                starting.Description = Markup.Escape($"Host process {host.ProcessId} on {host.BaseAddress}");
                using var sampling = new CancellationTokenSource();
                var clock = Stopwatch.StartNew();
                var sampler = SampleMemoryAsync(host, clock, sampling.Token);

                await using var fleet = new Fleet(host.OcppEndpoint, chargers, new SimulatorOptions { CallTimeout = TimeSpan.FromMinutes(2) });
                try
                {
                    await DriveAsync(progress, host, fleet, ledger, clock, report, ct);
                }
                finally
                {
                    report.PeakMemory = host.Memory();
                    await sampling.CancelAsync();
                    await sampler;
                    // The host goes first: closing 10,000 sockets normally would have it record as many outages.
                    await host.DisposeAsync();
                    await fleet.AbortAsync();
                }

                if (report.EventsInWindow == 0)
                    return;
                var samples = (await ledger.SampleStoredEventsAsync(report.WindowStartSequence, report.WindowEndSequence, every: 1, limit: 2000, ct))
                    .Select(RawRow.Of).ToList();
                // The target is judged against batched INSERTs, as an application writes; COPY, the fastest way in, is shown beside it.
                report.RawInsert = await BaselineAsync("multi-row INSERT", RawInsertMethod.MultiRowInsert, "raw_insert");
                report.RawCopy = await BaselineAsync("binary COPY", RawInsertMethod.BinaryCopy, "raw_copy");

                async Task<RawInsertResult> BaselineAsync(string way, RawInsertMethod method, string table)
                {
                    var baseline = progress.AddTask($"Raw PostgreSQL: {report.EventsInWindow:N0} rows by {way}", maxValue: report.EventsInWindow);
                    var result = await RawInsertBaseline.RunAsync(server.MigrationConnectionStringFor(database), samples, report.EventsInWindow, table: table,
                        inserted: n => baseline.Increment(n), method: method, ct: ct);
                    baseline.StopTask();
                    return result;
                }
            });
        report.SteadyMemory = SteadyResident(report);
        return report;
    }

    private async Task DriveAsync(ProgressContext progress, HostProcess host, Fleet fleet, Ledger.Ledger ledger,
        Stopwatch clock, OcppBenchReport report, CancellationToken ct)
    {
        var counters = fleet.Counters;
        var connecting = progress.AddTask($"Connecting (up to {options.ConnectConcurrency} handshakes at a time)", maxValue: options.Chargers);
        report.MemoryBeforeConnect = host.Memory();
        var phase = Stopwatch.StartNew();
        report.Connected = await fleet.ConnectAsync(options.ConnectConcurrency, ct, () => connecting.Increment(1));
        report.ConnectTime = phase.Elapsed;
        connecting.StopTask();
        report.MemoryConnected = host.Memory();
        if (report.Connected == 0)
            throw new SimulatorException($"no charger could connect to {host.OcppEndpoint}: {counters.Snapshot().LastError}");

        var booting = progress.AddTask("BootNotification + StatusNotification", maxValue: report.Connected);
        phase.Restart();
        report.Booted = await fleet.BootAsync(options.ConnectConcurrency, ct, () => booting.Increment(1));
        report.BootTime = phase.Elapsed;
        booting.StopTask();

        var starting = progress.AddTask("Starting one transaction per charger", maxValue: report.Booted);
        phase.Restart();
        var sessions = await fleet.StartSessionsAsync(options.ConnectConcurrency, ct, () => starting.Increment(1));
        report.Transactions = sessions.Count;
        report.TransactionTime = phase.Elapsed;
        starting.StopTask();
        if (sessions.Count == 0)
            throw new SimulatorException($"no charger could start a transaction: {counters.Snapshot().LastError}");

        if (options.Warmup > TimeSpan.Zero)
        {
            var warming = progress.AddTask($"Warm-up: the same loop for {options.Warmup.TotalSeconds:N0} s or more, not measured", maxValue: 1);
            report.WarmupTaken = await WarmUpAsync(host, fleet, sessions, warming, ct);
            counters.StartMeterValuesAfresh();
            warming.Increment(1);
            warming.StopTask();
        }

        var window = progress.AddTask("MeterValues closed loop", maxValue: options.Duration.TotalSeconds);
        report.WindowStartSequence = await ledger.LastPositionAsync(ct);
        report.SetupErrors = counters.Snapshot().Errors;
        var cpu = CpuMark.Take(host);
        var jitTicks = host.TieredJitTicks();
        var postgres = await ledger.ReadDatabaseActivityAsync(ct);
        var windowStart = clock.Elapsed;
        report.WindowStart = windowStart;
        var loop = fleet.RunMeterValuesLoopAsync(sessions, options.Duration, ct);
        var (lastCalls, lastAt) = (0L, TimeSpan.Zero);
        while (clock.Elapsed - windowStart < options.Duration && !loop.IsCompleted)
        {
            await Task.WhenAny(loop, Task.Delay(Tick, ct));
            var (calls, at) = (counters.MeterValues.Count, clock.Elapsed - windowStart);
            var rate = (calls - lastCalls) / Math.Max((at - lastAt).TotalSeconds, 0.001);
            (lastCalls, lastAt) = (calls, at);
            window.Value = Math.Min(at.TotalSeconds, options.Duration.TotalSeconds);
            window.Description = Markup.Escape(
                $"MeterValues: {rate,7:N0}/s  p99 {OcppBenchReport.Ms(counters.MeterValues.Percentile(99))}  " +
                $"errors {counters.Snapshot().Errors - report.SetupErrors}  host {OcppBenchReport.MiB(host.Memory()?.ResidentBytes)}");
        }
        report.WindowEnd = clock.Elapsed;
        report.WindowEndSequence = await ledger.LastPositionAsync(ct);
        report.MeterCallsInWindow = counters.MeterValues.Count;
        report.Cpu = cpu.Since(host);
        if (jitTicks is { } jitBefore && host.TieredJitTicks() is { } jitAfter)
            report.TieredJitShareOfCore = (jitAfter - jitBefore) / (double)ProcFs.ClockTicksPerSecond / (report.WindowEnd - windowStart).TotalSeconds;
        report.Postgres = (await ledger.ReadDatabaseActivityAsync(ct)).Since(postgres);
        window.Description = "MeterValues closed loop: waiting for the calls in flight";
        await loop;
        window.Description = "MeterValues closed loop";
        window.StopTask();
        report.Final = counters.Snapshot();
        report.Latency = counters.MeterValues.Summarise();
        report.EventsInWindow = await ledger.CountEventsAsync(report.WindowStartSequence, report.WindowEndSequence, ct);
    }

    internal static readonly TimeSpan SettleStep = TimeSpan.FromSeconds(3);
    internal const double QuietJitShareOfCore = 0.02;

    /// <summary>
    /// The loop for --warmup, then on in steps for as long as the host's tiered JIT keeps recompiling (at most --jit-wait
    /// more). With 10 s of warm-up alone, JIT still took 6-32% of a core in the measured window, and calls/s followed it.
    /// </summary>
    private async Task<TimeSpan> WarmUpAsync(HostProcess host, Fleet fleet,
        IReadOnlyList<(SimulatedCharger Charger, SimulatedSession Session)> sessions, ProgressTask warming, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await fleet.RunMeterValuesLoopAsync(sessions, options.Warmup, ct);
        while (options.Warmup + options.JitWait - clock.Elapsed is var left && left > TimeSpan.Zero && host.TieredJitTicks() is { } before)
        {
            var step = Stopwatch.StartNew();
            await fleet.RunMeterValuesLoopAsync(sessions, left < SettleStep ? left : SettleStep, ct);
            if (host.TieredJitTicks() is not { } after) break;
            var share = (after - before) / (double)ProcFs.ClockTicksPerSecond / step.Elapsed.TotalSeconds;
            if (share < QuietJitShareOfCore) break;
            warming.Description = Markup.Escape(
                $"Warm-up: {clock.Elapsed.TotalSeconds:N0} s, the host's tiered JIT still busy ({share:P0} of a core)");
        }
        return clock.Elapsed;
    }

    private ChargerDefinition Definition(int number) => new(
        $"BENCH-{number:D5}", Password,
        options.Protocols switch
        {
            ProtocolMix.Ocpp16 => OcppProtocol.Ocpp16,
            ProtocolMix.Ocpp201 => OcppProtocol.Ocpp201,
            _ => number % 2 == 0 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201,
        },
        EvseCount: 1, Vendor: "Settlement", Model: "Bench", MaxPowerKw: 150m);

    private async Task SampleMemoryAsync(HostProcess host, Stopwatch clock, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested && !host.HasExited)
        {
            if (host.Memory() is { } memory)
                lock (_memory) _memory.Add((clock.Elapsed, memory.ResidentBytes));
            try { await Task.Delay(Tick, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>The host's resident memory averaged over the second half of the loop, once connections and caches have settled.</summary>
    private long? SteadyResident(OcppBenchReport report)
    {
        var from = report.WindowStart + (report.WindowEnd - report.WindowStart) / 2;
        lock (_memory)
        {
            var steady = _memory.Where(m => m.At >= from && m.At <= report.WindowEnd).Select(m => m.Resident).ToList();
            return steady.Count == 0 ? null : (long)steady.Average();
        }
    }

    private static Dictionary<string, string> Budget(int maxConnections) =>
        new() { [ConnectionBudget.EnvironmentVariable] = maxConnections.ToString() };

    /// <summary>
    /// A budget the server has room for, a few connections left for others: PostgreSQL refuses connections past
    /// max_connections, counting everyone's.
    /// </summary>
    internal static async Task<int> FittingPoolSizeAsync(NpgsqlDataSource queries, CancellationToken ct)
    {
        await using var command = queries.CreateCommand(
            "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int - count(*) FROM pg_stat_activity");
        var free = Convert.ToInt32(await command.ExecuteScalarAsync(ct));
        return Math.Clamp(free - 10, ConnectionBudget.Minimum, 40);
    }

}

/// <summary>CPU used by the host, by this process (the simulator) and by the whole machine over an interval.</summary>
internal sealed record CpuUse(double HostPercent, double SimulatorPercent, double MachinePercent)
{
    /// <summary>What neither the host nor the simulator used: PostgreSQL, mostly.</summary>
    public double OtherPercent => Math.Max(0, MachinePercent - HostPercent - SimulatorPercent);
}

internal sealed record CpuMark(TimeSpan Host, TimeSpan Simulator, (long Busy, long Total)? Machine, long At)
{
    public static CpuMark Take(HostProcess host) =>
        new(host.CpuTime(), Process.GetCurrentProcess().TotalProcessorTime, ProcFs.MachineCpu(), Stopwatch.GetTimestamp());

    public CpuUse Since(HostProcess host)
    {
        var now = Take(host);
        var capacity = Stopwatch.GetElapsedTime(At, now.At).TotalSeconds * Environment.ProcessorCount;
        var machine = Machine is { } before && now.Machine is { } after && after.Total > before.Total
            ? 100.0 * (after.Busy - before.Busy) / (after.Total - before.Total)
            : double.NaN;
        return new CpuUse(100 * (now.Host - Host).TotalSeconds / capacity, 100 * (now.Simulator - Simulator).TotalSeconds / capacity, machine);
    }
}
