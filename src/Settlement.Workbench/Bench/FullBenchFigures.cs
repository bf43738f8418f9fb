using Settlement.Projections.Kpis;
using Settlement.Projections;
using System.Text.Json;
using Spectre.Console;

namespace Settlement.Workbench.Bench;

/// <summary>What one <c>settle bench</c> measured, each rate the median of its runs; printed as a table and written as JSON.</summary>
internal sealed class FullBenchFigures
{
    public const double AppendRatioTarget = 0.7;
    public const double OcppRatioTarget = OcppBenchReport.RatioTarget;
    public const double PricingTarget = PricingBench.TargetSessions / PricingBench.TargetSeconds;

    public required int Runs { get; init; }
    public required int Cores { get; init; }
    public required long HistoryEvents { get; init; }
    public required FullBenchOptions Options { get; init; }
    public required double RawBatchRowsPerSecond { get; init; }
    public required double RawCopyRowsPerSecond { get; init; }
    public required double AppendBatchEventsPerSecond { get; init; }
    public required double AppendSingleEventsPerSecond { get; init; }

    /// <summary>Microseconds of the whole machine's CPU per raw row and per appended event; null without /proc.</summary>
    public required double? RawBatchCpuPerRow { get; init; }
    public required double? AppendBatchCpuPerEvent { get; init; }
    public required double? AppendSingleCpuPerEvent { get; init; }
    public required double OcppCallsPerSecond { get; init; }
    public required double OcppEventsPerSecond { get; init; }
    public required double OcppP50Ms { get; init; }
    public required double OcppP95Ms { get; init; }
    public required double OcppP99Ms { get; init; }
    public required long OcppErrors { get; init; }
    public required double HostMemoryMb { get; init; }
    public required double RebuildEventsPerSecond { get; init; }
    public required double VerifyEventsPerSecond { get; init; }
    public required double ChainEventsPerSecond { get; init; }
    public required double PricingSessionsPerSecond { get; init; }
    public required double InvoicesPerSecond { get; init; }
    public required int InvoicesPerRun { get; init; }

    public double AppendToRawBatch => AppendBatchEventsPerSecond / RawBatchRowsPerSecond;

    /// <summary>Events appended per second during the OCPP loop, over raw rows: a MeterValues call can append more than one event.</summary>
    public double OcppToRawBatch => OcppEventsPerSecond / RawBatchRowsPerSecond;

    public void WriteJson(string path)
    {
        using var file = File.Create(path);
        using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("cores", Cores);
        json.WriteNumber("runs", Runs);
        json.WriteNumber("raw_batch_rows_per_s", Math.Round(RawBatchRowsPerSecond));
        json.WriteNumber("raw_copy_rows_per_s", Math.Round(RawCopyRowsPerSecond));
        json.WriteNumber("append_events_per_s", Math.Round(AppendBatchEventsPerSecond));
        json.WriteNumber("append_single_events_per_s", Math.Round(AppendSingleEventsPerSecond));
        json.WriteNumber("append_to_raw_batch", Math.Round(AppendToRawBatch, 3));
        WriteNumberOrNull(json, "raw_batch_cpu_us_per_row", RawBatchCpuPerRow);
        WriteNumberOrNull(json, "append_cpu_us_per_event", AppendBatchCpuPerEvent);
        WriteNumberOrNull(json, "append_single_cpu_us_per_event", AppendSingleCpuPerEvent);
        json.WriteNumber("ocpp_chargers", Options.Chargers);
        json.WriteNumber("ocpp_warmup_s", Options.OcppWarmup.TotalSeconds);
        json.WriteNumber("ocpp_calls_per_s", Math.Round(OcppCallsPerSecond));
        json.WriteNumber("ocpp_p50_ms", Math.Round(OcppP50Ms, 2));
        json.WriteNumber("ocpp_p95_ms", Math.Round(OcppP95Ms, 2));
        json.WriteNumber("ocpp_p99_ms", Math.Round(OcppP99Ms, 2));
        json.WriteNumber("ocpp_to_raw_batch", Math.Round(OcppToRawBatch, 3));
        json.WriteNumber("host_memory_mb", Math.Round(HostMemoryMb));
        json.WriteNumber("rebuild_events_per_s", Math.Round(RebuildEventsPerSecond));
        json.WriteNumber("pricing_sessions_per_s", Math.Round(PricingSessionsPerSecond));
        json.WriteNumber("invoices_per_s", Math.Round(InvoicesPerSecond, 1));
        json.WriteNumber("verify_events_per_s", Math.Round(VerifyEventsPerSecond));
        json.WriteNumber("chain_events_per_s", Math.Round(ChainEventsPerSecond));
        json.WriteEndObject();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } measured) json.WriteNumber(name, Math.Round(measured, 1));
        else json.WriteNull(name);
    }

    public void Print()
    {
        var table = new Table()
            .Title($"settle bench: medians of {Runs} run{(Runs == 1 ? "" : "s")} on {Cores} cores")
            .AddColumns("Measure", "Median", "Target", "Result");
        Row(table, "Raw PostgreSQL, multi-row INSERT", $"{RawBatchRowsPerSecond:N0} rows/s",
            note: $"{Options.RawRows:N0} event rows, 1,000 per statement, 4 connections{RawCpu(RawBatchCpuPerRow)}");
        Row(table, "Raw PostgreSQL, binary COPY", $"{RawCopyRowsPerSecond:N0} rows/s", note: "the same rows, 1,000 per COPY");
        Row(table, "Append, batched", $"{AppendBatchEventsPerSecond:N0} events/s", $"≥ {AppendRatioTarget} × raw INSERT",
            Verdict(AppendToRawBatch >= AppendRatioTarget), $"{HistoryEvents:N0} demo events, {Options.AppendBatch:N0} per AppendAsync; ratio {AppendToRawBatch:N3}{AppendCpu(AppendBatchCpuPerEvent)}");
        Row(table, "Append, one event per call", $"{AppendSingleEventsPerSecond:N0} events/s",
            note: $"{Options.Writers} concurrent writers, group commit; ratio {AppendSingleEventsPerSecond / RawBatchRowsPerSecond:N3}{AppendCpu(AppendSingleCpuPerEvent)}");
        Row(table, "OCPP ingest", $"{OcppCallsPerSecond:N0} calls/s, {OcppEventsPerSecond:N0} events/s", $"≥ {OcppRatioTarget} × raw INSERT",
            Verdict(OcppToRawBatch >= OcppRatioTarget), $"{Options.Chargers:N0} chargers for {Options.OcppDuration.TotalSeconds:N0} s; ratio {OcppToRawBatch:N3}; {OcppErrors:N0} errors");
        Row(table, "OCPP latency", $"p50 {OcppP50Ms:N1} ms, p95 {OcppP95Ms:N1} ms, p99 {OcppP99Ms:N1} ms", note: "CALL → CALLRESULT");
        Row(table, "Host memory, loop steady", $"{HostMemoryMb:N0} MiB", "≤ 1,024 MiB", Verdict(HostMemoryMb <= OcppBenchReport.MemoryTargetBytes / 1024.0 / 1024.0));
        // The rebuild target is set for a history of at least a million events; over a short one, fixed costs dominate.
        var rebuildJudged = HistoryEvents >= KpiRebuildBench.TargetHistoryEvents;
        Row(table, "KPI projection rebuild", $"{RebuildEventsPerSecond:N0} events/s", $"≥ {KpiRebuildBench.TargetEventsPerSecond:N0}",
            rebuildJudged ? Verdict(RebuildEventsPerSecond >= KpiRebuildBench.TargetEventsPerSecond) : "[grey]see bench kpis[/]",
            $"KpiRebuild over {HistoryEvents:N0} events{(rebuildJudged ? "" : $"; the target is judged over {KpiRebuildBench.TargetHistoryEvents:N0}+ events by ./settle bench kpis")}");
        Row(table, "Pricing", $"{PricingSessionsPerSecond:N0} sessions/s", $"≥ {PricingTarget:N0} (1M in 60 s)", Verdict(PricingSessionsPerSecond >= PricingTarget),
            $"{Options.PricingSessions:N0} sessions × 20 meter values, one thread");
        Row(table, "Invoice issuing", $"{InvoicesPerSecond:N1} invoices/s", note: $"{InvoicesPerRun:N0} session invoices per run, {InvoiceIssuingBench.BatchSize} per call");
        Row(table, "Hash-chain verification", $"{VerifyEventsPerSecond:N0} events/s", $"≥ {ChainVerifyBench.TargetEventsPerSecond:N0}",
            rebuildJudged ? Verdict(VerifyEventsPerSecond >= ChainVerifyBench.TargetEventsPerSecond) : "[grey]see bench kpis[/]",
            $"settle verify's walk over {HistoryEvents:N0} events; linking them into the chain ran at {ChainEventsPerSecond:N0} events/s");
        AnsiConsole.Write(table);
    }

    private static string RawCpu(double? micros) => micros is { } m ? $"; {m:N1} µs of machine CPU per row" : "";

    private string AppendCpu(double? micros) => micros is { } m
        ? $"; {m:N1} µs of machine CPU per event" + (RawBatchCpuPerRow is { } raw ? $", {m / raw:N2} × raw INSERT's per row" : "")
        : "";

    private static string Verdict(bool met) => met ? "[green]PASS[/]" : "[red]FAIL[/]";

    private static void Row(Table table, string measure, string median, string target = "", string result = "", string note = "") =>
        table.AddRow(
            new Markup(Markup.Escape(measure) + (note.Length > 0 ? $"\n[grey]{Markup.Escape(note)}[/]" : "")),
            new Text(median), new Text(target), new Markup(result));
}
