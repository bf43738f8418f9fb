using System.Globalization;
using Settlement.Ledger;
using Settlement.Workbench.Simulation;
using Spectre.Console;

namespace Settlement.Workbench.Bench;

/// <summary>What one <c>settle bench ocpp</c> run measured, filled in as it goes.</summary>
internal sealed class OcppBenchReport
{
    public const double RatioTarget = 0.5;
    public const long MemoryTargetBytes = 1L << 30;

    public required OcppBenchOptions Options { get; init; }
    public required int HostPoolSize { get; init; }
    public required string Database { get; init; }
    public required string Server { get; init; }

    public int Connected { get; set; }
    public TimeSpan ConnectTime { get; set; }
    public int Booted { get; set; }
    public TimeSpan BootTime { get; set; }
    public int Transactions { get; set; }
    public TimeSpan TransactionTime { get; set; }

    public TimeSpan WindowStart { get; set; }
    public TimeSpan WindowEnd { get; set; }
    public long WindowStartSequence { get; set; }
    public long WindowEndSequence { get; set; }
    public long MeterCallsInWindow { get; set; }
    public long EventsInWindow { get; set; }
    public long SetupErrors { get; set; }
    public FleetSnapshot? Final { get; set; }
    public LatencySummary Latency { get; set; } = LatencySummary.Empty;
    public CpuUse? Cpu { get; set; }
    public TimeSpan? WarmupTaken { get; set; }
    public double? TieredJitShareOfCore { get; set; }
    public DatabaseActivity? Postgres { get; set; }

    public MemoryReading? MemoryBeforeConnect { get; set; }
    public MemoryReading? MemoryConnected { get; set; }
    public long? SteadyMemory { get; set; }
    public MemoryReading? PeakMemory { get; set; }
    public RawInsertResult? RawInsert { get; set; }
    public RawInsertResult? RawCopy { get; set; }

    private double WindowSeconds => Math.Max((WindowEnd - WindowStart).TotalSeconds, 0.001);
    public double CallsPerSecond => MeterCallsInWindow / WindowSeconds;
    public double EventsPerSecond => EventsInWindow / WindowSeconds;
    public double? Ratio => RawInsert is { RowsPerSecond: > 0 } raw ? EventsPerSecond / raw.RowsPerSecond : null;

    public void Print()
    {
        var table = new Table().Title($"settle bench ocpp: {Options.Chargers:N0} chargers, {Options.Duration.TotalSeconds:N0} s measured after {Options.Warmup.TotalSeconds:N0} s of warm-up")
            .AddColumns("Measure", "Value", "Target", "Result");
        var mix = Options.Protocols switch
        {
            ProtocolMix.Ocpp16 => "all OCPP 1.6",
            ProtocolMix.Ocpp201 => "all OCPP 2.0.1",
            _ => $"{Options.Chargers / 2:N0} OCPP 1.6 + {Options.Chargers - Options.Chargers / 2:N0} OCPP 2.0.1",
        };
        Row(table, "Chargers", $"{Options.Chargers:N0} ({mix}), one EVSE each");
        Row(table, "Connected", $"{Connected:N0} in {Seconds(ConnectTime)} ({Connected / Math.Max(ConnectTime.TotalSeconds, 0.001):N0}/s, up to {Options.ConnectConcurrency} handshakes at a time)");
        Row(table, "Booted", $"{Booted:N0} in {Seconds(BootTime)} (BootNotification + StatusNotification)");
        Row(table, "Transactions started", $"{Transactions:N0} in {Seconds(TransactionTime)}");
        if (WarmupTaken is { } warmup)
            Row(table, "Warm-up (not measured)",
                $"{Seconds(warmup)}: at least {Seconds(Options.Warmup)}, then until the host's tiered JIT used under " +
                $"{OcppBench.QuietJitShareOfCore:P0} of a core for {Seconds(OcppBench.SettleStep)} (at most {Seconds(Options.JitWait)} more)");
        Row(table, "MeterValues calls/s", $"{CallsPerSecond:N0} ({MeterCallsInWindow:N0} answered in {WindowSeconds:N1} s, one outstanding per charger)");
        Row(table, "Latency CALL → CALLRESULT",
            $"p50 {Ms(Latency.P50)}  p95 {Ms(Latency.P95)}  p99 {Ms(Latency.P99)}  max {Ms(Latency.Max)}");
        var errors = (Final?.Errors ?? 0) - SetupErrors;
        Row(table, "Errors in the loop", $"{errors:N0} (set-up: {SetupErrors:N0}; InternalError resent: {Final?.Retries ?? 0:N0})", "0",
            errors == 0 ? Pass : Fail);
        Row(table, "Events appended", $"{EventsInWindow:N0} in the window = {EventsPerSecond:N0} events/s");
        if (MemoryBeforeConnect is { } before && MemoryConnected is { } connected && Connected > 0)
            Row(table, "Host memory, connecting (VmRSS)",
                $"{MiB(before.ResidentBytes)} before, {MiB(connected.ResidentBytes)} with {Connected:N0} idle connections " +
                $"(≈ {(connected.ResidentBytes - before.ResidentBytes) / 1024.0 / Connected:N0} KiB each)");
        Row(table, "Host memory, loop steady (VmRSS)", MiB(SteadyMemory), "≤ 1 GiB", Verdict(SteadyMemory <= MemoryTargetBytes, SteadyMemory is null));
        Row(table, "Host memory, peak (VmHWM)", MiB(PeakMemory?.PeakResidentBytes), "≤ 1 GiB",
            Verdict(PeakMemory?.PeakResidentBytes <= MemoryTargetBytes, PeakMemory is null));
        if (Cpu is { } cpu)
        {
            Row(table, $"CPU during the loop ({Environment.ProcessorCount} cores)",
                $"host {cpu.HostPercent:N0} %, simulator {cpu.SimulatorPercent:N0} %, rest (PostgreSQL…) {cpu.OtherPercent:N0} %; machine busy {cpu.MachinePercent:N0} %");
            if (TieredJitShareOfCore is { } jit)
                Row(table, "Host's tiered JIT during the loop", $"{jit:P0} of a core");
            if (MeterCallsInWindow > 0)
            {
                var total = MicrosPerCall(cpu.HostPercent + cpu.SimulatorPercent + cpu.OtherPercent);
                Row(table, "CPU per MeterValues call",
                    $"host {MicrosPerCall(cpu.HostPercent):N0} µs, simulator {MicrosPerCall(cpu.SimulatorPercent):N0} µs, rest {MicrosPerCall(cpu.OtherPercent):N0} µs; " +
                    $"{total:N0} µs in all" + (RawInsert?.CpuMicrosecondsPerRow is { } raw ? $", {total / raw:N0} × raw INSERT's per row" : ""));
            }
        }
        if (Postgres is { } postgres)
            Row(table, "PostgreSQL per MeterValues call", postgres.PerCall(MeterCallsInWindow));
        Row(table, "Raw PostgreSQL, multi-row INSERT", RawRate(RawInsert));
        Row(table, "Raw PostgreSQL, binary COPY", RawRate(RawCopy));
        Row(table, "Ingest ÷ raw INSERT", Ratio is { } ratio ? ratio.ToString("N3", CultureInfo.InvariantCulture) : "-",
            $"≥ {RatioTarget}", Verdict(Ratio >= RatioTarget, Ratio is null));
        AnsiConsole.Write(table);

        AnsiConsole.MarkupLineInterpolated($"[grey]Host: settle serve in its own process, at most {HostPoolSize} database connections; database {Database} on {Server}.[/]");
        if (Final?.LastError is { } lastError)
            AnsiConsole.MarkupLineInterpolated($"[yellow]Last error:[/] {lastError}");
        if (Final?.LastRetry is { } lastRetry)
            AnsiConsole.MarkupLineInterpolated($"[yellow]Last resend:[/] {lastRetry}");
    }

    private const string Pass = "[green]PASS[/]";
    private const string Fail = "[red]FAIL[/]";

    private static string Verdict(bool? met, bool unknown) => unknown ? "[grey]n/a[/]" : met == true ? Pass : Fail;

    private static void Row(Table table, string measure, string value, string target = "", string result = "") =>
        table.AddRow(Markup.Escape(measure), Markup.Escape(value), Markup.Escape(target), result);

    private double MicrosPerCall(double percentOfMachine) =>
        percentOfMachine / 100 * Environment.ProcessorCount * 1_000_000 / CallsPerSecond;

    private static string RawRate(RawInsertResult? raw) => raw is null
        ? "not measured (no events were appended)"
        : $"{raw.RowsPerSecond:N0} rows/s ({raw.Rows:N0} rows of {raw.AverageRowBytes:N0} B, {raw.BatchSize:N0} per transaction, {raw.Connections} connections" +
          (raw.CpuMicrosecondsPerRow is { } cpu ? $"; {cpu:N1} µs of machine CPU per row)" : ")");

    private static string Seconds(TimeSpan time) => $"{time.TotalSeconds:N1} s";

    public static string Ms(TimeSpan time) => time.TotalMilliseconds < 10 ? $"{time.TotalMilliseconds:N1} ms" : $"{time.TotalMilliseconds:N0} ms";

    public static string MiB(long? bytes) => bytes is { } b ? $"{b / 1024.0 / 1024.0:N0} MiB" : "n/a";
}
