using System.Diagnostics;
using NodaTime;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;
using Spectre.Console;

namespace Settlement.Workbench.Bench;

/// <summary>
/// <c>settle bench pricing</c>: prices synthetic sessions on one thread. Sessions are generated in
/// chunks outside the timed part, so the figure is pricing alone and memory stays flat.
/// </summary>
public sealed class PricingBench(int sessions, int readingsPerSession, int seed)
{
    public const double TargetSeconds = 60;
    public const int TargetSessions = 1_000_000;
    private const int ChunkSize = 10_000;

    private static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];

    /// <summary>The demo's Berlin tariff: night and day energy, a day session fee, parking after charging.</summary>
    private static readonly TariffPublished Tariff = new(
        "BENCH", 1, "EUR", PricesIncludeVat: true,
        [
            new TariffElement(
                [new PriceComponent(PriceComponentType.Energy, 0.49m, 19m, 1), new PriceComponent(PriceComponentType.ParkingTime, 6.00m, 19m, 60)],
                TariffRestrictions.Hours("22:00", "06:00")),
            new TariffElement(
                [
                    new PriceComponent(PriceComponentType.Energy, 0.69m, 19m, 1), new PriceComponent(PriceComponentType.Flat, 0.50m, 19m, 1),
                    new PriceComponent(PriceComponentType.ParkingTime, 6.00m, 19m, 60),
                ],
                TariffRestrictions.Hours("06:00", "22:00")),
        ],
        Instant.FromUtc(2026, 1, 1, 0, 0), null, Instant.FromUtc(2025, 12, 1, 0, 0));

    private static readonly TariffSpan[] Spans = [new(Tariff.ValidFrom, Instant.FromUtc(2028, 1, 1, 0, 0), Tariff, 1)];

    public sealed record Result(int Sessions, int Readings, TimeSpan Pricing, decimal TotalInclVat, long Lines)
    {
        public double SessionsPerSecond => Sessions / Math.Max(Pricing.TotalSeconds, 1e-9);
        public double ProjectedSecondsForTarget => TargetSessions / SessionsPerSecond;
    }

    public Result Run(Action<int> progress)
    {
        var random = new Random(seed);
        var pricing = TimeSpan.Zero;
        var total = 0m;
        var lines = 0L;
        var chunk = new SessionUsage[ChunkSize];
        for (var done = 0; done < sessions;)
        {
            var count = Math.Min(ChunkSize, sessions - done);
            for (var i = 0; i < count; i++) chunk[i] = Session(random);
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                var price = SessionPricer.Price(chunk[i], Spans, Berlin);
                total += price.TotalInclVat.Amount;
                lines += price.Lines.Count;
            }
            pricing += Stopwatch.GetElapsedTime(started);
            done += count;
            progress(done);
        }
        return new Result(sessions, readingsPerSession, pricing, total, lines);
    }

    /// <summary>A session somewhere in 2026: charging at 3-150 kW, tapering, then some idle minutes; one reading every 2-6 minutes.</summary>
    private SessionUsage Session(Random random)
    {
        var start = Instant.FromUtc(2026, 1, 1, 0, 0) + Duration.FromSeconds(random.NextInt64(0, 364L * 86_400));
        var kw = 3 + random.Next(148);
        var interval = Duration.FromSeconds(120 + random.Next(240));
        var meter = random.NextInt64(0, 50_000_000);
        var readings = new RegisterReading[readingsPerSession];
        var at = start;
        var wh = meter;
        var idleFrom = readingsPerSession - random.Next(4);
        for (var i = 0; i < readingsPerSession; i++)
        {
            at += interval;
            var power = i >= idleFrom ? 0 : kw * (readingsPerSession - i) / readingsPerSession + 1;
            wh += (long)(power * interval.TotalSeconds / 3.6);
            readings[i] = new RegisterReading(at, wh);
        }
        return new SessionUsage(start, meter, readings, at + interval, wh);
    }

    public static void Print(Result result)
    {
        var table = new Table().Title($"settle bench pricing: {result.Sessions:N0} sessions × {result.Readings} meter values, one thread")
            .AddColumns("Measure", "Value", "Target", "Result");
        table.AddRow("Pricing time", $"{result.Pricing.TotalSeconds:N1} s", "", "");
        table.AddRow("Sessions/s", $"{result.SessionsPerSecond:N0}", $"≥ {TargetSessions / TargetSeconds:N0}", "");
        table.AddRow(Markup.Escape($"{TargetSessions:N0} sessions, projected"), $"{result.ProjectedSecondsForTarget:N1} s", $"< {TargetSeconds:N0} s",
            result.ProjectedSecondsForTarget < TargetSeconds ? "[green]PASS[/]" : "[red]FAIL[/]");
        table.AddRow("Lines priced", $"{result.Lines:N0} ({(double)result.Lines / result.Sessions:N1} per session)", "", "");
        table.AddRow("Sum of totals (incl. VAT)", $"{result.TotalInclVat:N2} EUR (same seed, same sum)", "", "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]Tariff: Europe/Berlin night/day energy, day session fee, parking per minute, prices incl. 19% VAT. Session generation is not timed.[/]");
    }
}
