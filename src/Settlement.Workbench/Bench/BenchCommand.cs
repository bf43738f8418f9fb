using Settlement.Projections.Kpis;
using Settlement.Projections;
using System.CommandLine;
using Npgsql;
using Settlement.Domain.LoadBalancing;
using Settlement.Ledger.Store;
using Settlement.Workbench.CommandLine;
using Settlement.Workbench.Simulation;
using Spectre.Console;

namespace Settlement.Workbench.Bench;

/// <summary><c>settle bench</c>: load measurements, one subcommand per part of the engine.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var runs = new Option<int>("--runs") { Description = "Runs of each measurement; the median is reported.", DefaultValueFactory = _ => 3 };
        var days = new Option<int>("--days") { Description = "Days of demo history (about 1,100 events a day) to append, rebuild and invoice.", DefaultValueFactory = _ => 45 };
        var rows = new Option<int>("--rows") { Description = "Rows per raw PostgreSQL run, for INSERT and for COPY.", DefaultValueFactory = _ => 100_000 };
        var writers = new Option<int>("--writers") { Description = "Concurrent writers of the one-event-per-call appends.", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Events per call of the batched appends.", DefaultValueFactory = _ => 1_000 };
        var chargers = new Option<int>("--chargers") { Description = "Simulated chargers of the OCPP ingest.", DefaultValueFactory = _ => 200 };
        var duration = new Option<int>("--duration") { Description = "Seconds of each OCPP MeterValues loop.", DefaultValueFactory = _ => 15 };
        var warmup = WarmupOption();
        var jitWait = JitWaitOption();
        var sessions = new Option<int>("--sessions") { Description = "Sessions priced per pricing run.", DefaultValueFactory = _ => 100_000 };
        var invoices = new Option<int>("--invoices") { Description = "Session invoices issued per run (at most the history's sessions shared between the runs).", DefaultValueFactory = _ => 500 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this file as one JSON object." };
        var database = new DatabaseOptions("settlement_bench_all", "Database the bench recreates as it goes (default 'settlement_bench_all').");
        var command = new Command("bench", """
            Measure the engine under load. Without a subcommand: every measurement in one run, each the median of --runs:
            raw PostgreSQL rows/s (multi-row INSERT and binary COPY), append through the ledger (one event per call and
            batched), OCPP ingest, KPI rebuild, pricing and invoice issuing, against their targets. A missed target is
            reported, not an error.
            """)
        {
            OcppCommand(),
            StormCommand(),
            AppendCommand(),
            PricingCommand(),
            AllocationCommand(),
            KpisCommand(),
            BalancingBench.Command(),
            runs, days, rows, writers, batch, chargers, duration, warmup, jitWait, sessions, invoices, json,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var options = new FullBenchOptions(parse.GetValue(runs), parse.GetValue(days), parse.GetValue(rows), parse.GetValue(writers),
                parse.GetValue(batch), parse.GetValue(chargers), TimeSpan.FromSeconds(parse.GetValue(duration)),
                TimeSpan.FromSeconds(parse.GetValue(warmup)), TimeSpan.FromSeconds(parse.GetValue(jitWait)), parse.GetValue(sessions), parse.GetValue(invoices));
            if (options is { Runs: < 1 } or { Days: < 1 or > 366 } or { RawRows: < 1 } or { Writers: < 1 } or { AppendBatch: < 1 } or { Chargers: < 1 }
                or { PricingSessions: < 1 } or { Invoices: < 1 } || options.OcppDuration < TimeSpan.FromSeconds(1)
                || options.OcppWarmup < TimeSpan.Zero || options.OcppJitWait < TimeSpan.Zero)
            {
                AnsiConsole.MarkupLine("[red]Every size must be at least 1 (--warmup and --jit-wait at least 0), and --days at most 366.[/]");
                return 2;
            }
            WarnAboutOpenFiles(options.Chargers);
            await using var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
            var name = database.ScratchDatabaseName(parse);
            await database.RecreateScratchAsync(server, name, ct);
            AnsiConsole.MarkupLineInterpolated($"Measuring on database [bold]{name}[/] of {server.Description}, recreated as the bench goes");
            try
            {
                var figures = await new FullBench(server, name, options).RunAsync(ct);
                figures.Print();
                if (parse.GetValue(json) is { } file)
                {
                    figures.WriteJson(file.FullName);
                    AnsiConsole.MarkupLineInterpolated($"Figures written to [bold]{file.FullName}[/]");
                }
                return 0;
            }
            catch (Exception e) when (e is SimulatorException or HttpRequestException or NpgsqlException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]The bench could not run:[/] {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Command AppendCommand()
    {
        var runs = new Option<int>("--runs") { Description = "Runs of each measurement; the median is reported.", DefaultValueFactory = _ => 3 };
        var days = new Option<int>("--days") { Description = "Days of demo history (about 1,100 events a day) to append.", DefaultValueFactory = _ => 45 };
        var rows = new Option<int>("--rows") { Description = "Rows per raw PostgreSQL INSERT run.", DefaultValueFactory = _ => 100_000 };
        var writers = new Option<int>("--writers") { Description = "Concurrent writers of the one-event-per-call appends (0 skips them).", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Events per call of the batched appends.", DefaultValueFactory = _ => 1_000 };
        var database = new DatabaseOptions("settlement_bench_append", "Database the bench recreates on every run (default 'settlement_bench_append').");
        var command = new Command("append", """
            Only the append part of `settle bench`: the demo history through the ledger one event per call from --writers
            concurrent writers and --batch events per call, and the same rows by raw multi-row INSERT, each the median of --runs,
            with the ratio to raw INSERT and the PostgreSQL transactions per append call. Target: append >= 0.7 x raw INSERT.
            """)
        {
            runs, days, rows, writers, batch,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(runs) < 1 || parse.GetValue(days) is < 1 or > 366 || parse.GetValue(rows) < 1 || parse.GetValue(writers) < 0 || parse.GetValue(batch) < 1)
            {
                AnsiConsole.MarkupLine("[red]--runs, --rows and --batch must be at least 1, --writers at least 0, --days between 1 and 366.[/]");
                return 2;
            }
            await using var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
            var name = database.ScratchDatabaseName(parse);
            await database.RecreateScratchAsync(server, name, ct);
            AnsiConsole.MarkupLineInterpolated($"Measuring on database [bold]{name}[/] of {server.Description}, recreated on every run");
            var figures = await new AppendOnlyBench(server, name, parse.GetValue(runs), parse.GetValue(days), parse.GetValue(rows),
                parse.GetValue(writers), parse.GetValue(batch)).RunAsync(ct);
            figures.Print();
            return 0;
        });
        return command;
    }

    private static Command KpisCommand()
    {
        var events = new Option<long>("--events") { Description = "At least this many events of demo history to replay.", DefaultValueFactory = _ => KpiRebuildBench.TargetHistoryEvents };
        var database = new DatabaseOptions("settlement_bench_kpis", "Database the bench recreates on every run (default 'settlement_bench_kpis').");
        var command = new Command("kpis", $"""
            Append a long history of the demo network (--events, default 1,000,000), then rebuild the KPI projections from zero
            with Marten's daemon and report the ledger events replayed per second. Target: {KpiRebuildBench.TargetEventsPerSecond:N0} events/s.
            """)
        {
            events,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(events) is < 1_000 or > 50_000_000)
            {
                AnsiConsole.MarkupLine("[red]--events must be between 1,000 and 50,000,000.[/]");
                return 2;
            }
            var history = KpiRebuildBench.DefaultHistory(KpiRebuildBench.DaysFor(parse.GetValue(events)));
            await using var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
            var name = database.ScratchDatabaseName(parse);
            await database.RecreateScratchAsync(server, name, ct);
            AnsiConsole.MarkupLineInterpolated($"Recreating database [bold]{name}[/] on {server.Description}; generating {history.Days:N0} days of history");
            KpiRebuildBench.Result? result = null;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    ProgressTask? task = null;
                    result = await new KpiRebuildBench(server, name, history).RunAsync((step, done, total) =>
                    {
                        if (task?.Description != step) { task?.StopTask(); task = progress.AddTask(step, maxValue: total); }
                        task.Value = done;
                    }, ct);
                    task?.StopTask();
                });
            KpiRebuildBench.Print(result!, history);
            return 0;
        });
        return command;
    }

    private static Command PricingCommand()
    {
        var sessions = new Option<int>("--sessions") { Description = "Sessions to price.", DefaultValueFactory = _ => PricingBench.TargetSessions };
        var readings = new Option<int>("--readings") { Description = "Meter values per session.", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated sessions.", DefaultValueFactory = _ => 2026 };
        var command = new Command("pricing", $"""
            Price synthetic sessions (Europe/Berlin time-of-use tariff, each with --readings meter values) on one thread.
            Target: {PricingBench.TargetSessions:N0} sessions with 20 meter values in under {PricingBench.TargetSeconds:N0} s.
            """)
        {
            sessions, readings, seed,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(sessions) < 1 || parse.GetValue(readings) < 1)
            {
                AnsiConsole.MarkupLine("[red]--sessions and --readings must be at least 1.[/]");
                return 2;
            }
            var bench = new PricingBench(parse.GetValue(sessions), parse.GetValue(readings), parse.GetValue(seed));
            PricingBench.Result? result = null;
            AnsiConsole.Progress().Start(progress =>
            {
                var task = progress.AddTask("Pricing sessions", maxValue: parse.GetValue(sessions));
                result = bench.Run(done => task.Value = done);
            });
            PricingBench.Print(result!);
            return 0;
        });
        return command;
    }

    private static Command AllocationCommand()
    {
        var evses = new Option<int>("--evses") { Description = "EVSEs of the site, each with a session.", DefaultValueFactory = _ => 500 };
        var seconds = new Option<int>("--seconds") { Description = "Seconds of each measured run (allocator and baseline alike).", DefaultValueFactory = _ => 5 };
        var runs = new Option<int>("--runs") { Description = "Runs of each measurement; the median is reported.", DefaultValueFactory = _ => 3 };
        var command = new Command("allocation", $"""
            Whole-site load-balancing decisions on one thread: a site of --evses EVSEs (grid, 4 feeders, 16 boards; 1- and
            3-phase AC and DC), every EVSE with a session whose measurement changes every decision, a throttle in force half
            the time; against a plain equal split of the grid limit measured in the same run.
            Target: {AllocationBench.TargetDecisionsPerSecond:N0} decisions/s for 500 EVSEs.
            """)
        {
            evses, seconds, runs,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(evses) is < 1 or > PowerModelIds.MaxEvses || parse.GetValue(seconds) is < 1 or > 600 || parse.GetValue(runs) is < 1 or > 99)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--evses must be 1 to {PowerModelIds.MaxEvses}, --seconds 1 to 600, --runs 1 to 99.[/]");
                return 2;
            }
            var result = new AllocationBench(parse.GetValue(evses), TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(runs))
                .Measure(step => AnsiConsole.MarkupLineInterpolated($"[grey]{step}[/]"));
            AllocationBench.Print(result);
            return 0;
        });
        return command;
    }

    private static Command OcppCommand()
    {
        var chargers = new Option<int>("--chargers") { Description = "Simulated chargers, each with one connection.", DefaultValueFactory = _ => 1_000 };
        var duration = new Option<int>("--duration") { Description = "Seconds of the MeterValues closed loop.", DefaultValueFactory = _ => 30 };
        var warmup = WarmupOption();
        var jitWait = JitWaitOption();
        var protocol = new Option<string>("--protocol") { Description = "OCPP version of the chargers: 1.6, 2.0.1, or mixed (half each).", DefaultValueFactory = _ => "mixed" };
        protocol.AcceptOnlyFromAmong("1.6", "2.0.1", "mixed");
        var concurrency = new Option<int>("--connect-concurrency")
        {
            Description = "How many chargers connect (and boot, and start their transaction) at the same time.",
            DefaultValueFactory = _ => 200,
        };
        var pool = new Option<int?>("--host-pool")
        {
            Description = "The host's connection budget, Database:MaxConnections (default: what the server's max_connections leaves room for, at most 40; at least 10).",
        };
        var database = new DatabaseOptions("settlement_bench", "Database the bench recreates on every run (default 'settlement_bench').");
        var command = new Command("ocpp", """
            Simulated chargers against the host (run as a separate process, so its memory is measured alone): register them,
            connect them, then every charger keeps one meter-value CALL outstanding (1.6 MeterValues, 2.0.1 TransactionEvent
            Updated) for --duration, after --warmup seconds of the same loop unmeasured (and up to --jit-wait more while the
            host's JIT still recompiles). Reports calls/s, latency percentiles,
            errors and the host's memory, then inserts the same rows into a plain PostgreSQL table for a baseline. Targets:
            ingest >= 0.5 x raw insert rate, host memory <= 1 GiB.
            """)
        {
            chargers, duration, warmup, jitWait, protocol, concurrency, pool,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(chargers) < 1 || parse.GetValue(duration) < 1 || parse.GetValue(concurrency) < 1
                || parse.GetValue(pool) is < ConnectionBudget.Minimum || parse.GetValue(warmup) < 0 || parse.GetValue(jitWait) < 0)
            {
                AnsiConsole.MarkupLine($"[red]--chargers, --duration and --connect-concurrency must be at least 1, --host-pool at least {ConnectionBudget.Minimum}, --warmup and --jit-wait at least 0.[/]");
                return 2;
            }
            var options = new OcppBenchOptions(parse.GetValue(chargers), TimeSpan.FromSeconds(parse.GetValue(duration)),
                parse.GetValue(protocol) switch { "1.6" => ProtocolMix.Ocpp16, "2.0.1" => ProtocolMix.Ocpp201, _ => ProtocolMix.Mixed },
                parse.GetValue(concurrency), parse.GetValue(pool), TimeSpan.FromSeconds(parse.GetValue(warmup)),
                TimeSpan.FromSeconds(parse.GetValue(jitWait)));
            WarnAboutOpenFiles(options.Chargers);

            await using var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
            var name = database.ScratchDatabaseName(parse);
            await database.RecreateScratchAsync(server, name, ct);
            AnsiConsole.MarkupLineInterpolated($"Recreating database [bold]{name}[/] on {server.Description}");
            return await SayingWhyItCouldNotRunAsync(async () => (await new OcppBench(server, name, options).RunAsync(ct)).Print());
        });
        return command;
    }

    private static Command StormCommand()
    {
        var chargers = new Option<int>("--chargers") { Description = "Simulated chargers, each with one connection.", DefaultValueFactory = _ => 10_000 };
        var maxConnections = new Option<int>("--max-connections")
        {
            Description = $"The host's connection budget, {ConnectionBudget.Setting} (default {ConnectionBudget.Default}, at least {ConnectionBudget.Minimum}).",
            DefaultValueFactory = _ => ConnectionBudget.Default,
        };
        var database = new DatabaseOptions("settlement_bench_storm", "Database the bench recreates on every run (default 'settlement_bench_storm').");
        var command = new Command("storm", """
            A reconnect storm: register the chargers, start the host as a separate process, connect and boot every
            charger, kill the host, start it again and reconnect every charger at the same moment. Reports how many came
            back (connected, booted, present for commands from other hosts), how long that took, and the most database
            connections the host held (pg_stat_activity) against its budget.
            """)
        {
            chargers, maxConnections,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(chargers) < 1 || parse.GetValue(maxConnections) < ConnectionBudget.Minimum)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--chargers must be at least 1, --max-connections at least {ConnectionBudget.Minimum}.[/]");
                return 2;
            }
            WarnAboutOpenFiles(parse.GetValue(chargers));
            await using var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
            var name = database.ScratchDatabaseName(parse);
            await database.RecreateScratchAsync(server, name, ct);
            return await SayingWhyItCouldNotRunAsync(async () =>
                (await new StormBench(server, name, parse.GetValue(chargers), parse.GetValue(maxConnections)).RunAsync(ct)).Print());
        });
        return command;
    }

    /// <summary>A bench whose host, chargers or database fail says why in one line, exit code 1, not a stack trace.</summary>
    private static async Task<int> SayingWhyItCouldNotRunAsync(Func<Task> run)
    {
        try
        {
            await run();
            return 0;
        }
        catch (Exception e) when (e is SimulatorException or HttpRequestException or NpgsqlException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]The bench could not run:[/] {e.Message}");
            return 1;
        }
    }

    private static Option<int> WarmupOption() => new("--warmup")
    {
        Description = "Seconds of the same MeterValues loop before each measured one, unmeasured: a fresh host first compiles its hot paths.",
        DefaultValueFactory = _ => 10,
    };

    private static Option<int> JitWaitOption() => new("--jit-wait")
    {
        Description = "At most this many seconds more of warm-up, in 3-second steps, while the host's tiered JIT is still recompiling its hot paths (0: warm up for --warmup only).",
        DefaultValueFactory = _ => 60,
    };

    /// <summary>Each connection is a file descriptor here and another in the host; both processes inherit this limit.</summary>
    private static void WarnAboutOpenFiles(int chargers)
    {
        var needed = chargers + 1_024;
        if (ProcFs.OpenFileLimit() is { } limit && limit.Soft < needed)
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]Open-file limit is {limit.Soft:N0} (hard {limit.Hard:N0}); {chargers:N0} connections need about {needed:N0}. Run `ulimit -n {needed}` first, or connections will fail.[/]");
    }
}
