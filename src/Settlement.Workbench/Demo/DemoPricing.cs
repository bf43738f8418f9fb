using System.Diagnostics;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Settlement.Domain.Tariffs;
using Settlement.Ledger.Store;
using Settlement.Projections.Tariffs;
using Spectre.Console;

namespace Settlement.Workbench.Demo;

/// <summary>
/// Lets the projection daemon price every session of the seeded month, as a host would, then shows
/// what the network earned and one session's breakdown.
/// </summary>
internal static class DemoPricing
{
    public static async Task<bool> RunAsync(Ledger.Ledger ledger, int sessions, CancellationToken ct)
    {
        var pricing = Stopwatch.StartNew();
        await using (var projections = new AsyncProjections(ledger, NullLogger.Instance))
        {
            await AnsiConsole.Status().StartAsync($"Pricing {sessions:N0} sessions (async projection {PricedSessions.ProjectionName})", async _ =>
            {
                await projections.StartAsync(ct);
                await projections.WaitForNonStaleDataAsync(TimeSpan.FromMinutes(5));
            });
        }
        pricing.Stop();

        await using var query = ledger.QueryReadModels();
        var views = await query.Query<PricedSessionView>().ToListAsync(ct);
        PrintRevenue(views, pricing.Elapsed);
        if (views.Where(v => v.Price is not null).MaxBy(v => (v.Price!.Lines.Select(l => l.Component).Distinct().Count(), v.Price.Lines.Count)) is { } example)
            PrintBreakdown(example);
        var unpriced = views.Where(v => v.Status == PricedSessionStatus.Unpriced).ToList();
        foreach (var view in unpriced.Take(3))
            AnsiConsole.MarkupLineInterpolated($"[yellow]Unpriced {view.Id}:[/] {view.Problem}");
        return unpriced.Count == 0;
    }

    private static void PrintRevenue(IReadOnlyList<PricedSessionView> views, TimeSpan elapsed)
    {
        var table = new Table().Title("Priced sessions (tariff in force when each kWh was delivered)")
            .AddColumns("Site", "Sessions", "Unpriced", "Energy", "Session fees", "Total excl. tax", "Total incl. VAT");
        foreach (var site in views.GroupBy(v => v.SiteId ?? "(no site)").OrderBy(g => g.Key))
        {
            var priced = site.Select(v => v.Price).OfType<SessionPrice>().ToList();
            var currency = priced.FirstOrDefault()?.Currency ?? "";
            table.AddRow(
                site.Key, site.Count().ToString("N0"), site.Count(v => v.Status == PricedSessionStatus.Unpriced).ToString("N0"),
                $"{priced.Sum(p => p.EnergyWh) / 1_000_000m:N1} MWh",
                Amount(priced.Sum(p => p.Flat.InclVat), currency),
                Amount(priced.Sum(p => p.TotalExclVat.Amount), currency),
                // A tariff without a VAT percent (the US site's) prices before sales tax, which only its invoice adds.
                priced.All(p => p.Lines.All(l => l.VatPercent is null)) ? "sales tax on invoice" : Amount(priced.Sum(p => p.TotalInclVat.Amount), currency));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"[grey]Priced {views.Count:N0} sessions in {elapsed.TotalSeconds:F1} s; European session fees include VAT; US prices exclude sales tax.[/]");
    }

    private static void PrintBreakdown(PricedSessionView view)
    {
        var price = view.Price!;
        var table = new Table().Title($"Session {view.Id}, {price.From.InZone(NodaTime.DateTimeZoneProviders.Tzdb[price.TimeZone]).Date:yyyy-MM-dd} {price.TimeZone}")
            .AddColumns("Component", "Local time", "Volume", "Price", "Excl. VAT", "Incl. VAT");
        foreach (var line in price.Lines)
            table.AddRow(
                line.Component.ToString(), $"{line.LocalFrom:HH:mm}–{line.LocalUntil:HH:mm}", Volume(line),
                $"{line.UnitPrice}/{Unit(line.Component)}{(line.VatPercent is { } vat ? $" +{vat}%" : "")}", $"{line.AmountExclVat:N4}", $"{line.AmountInclVat:N4}");
        table.AddRow("[bold]Total[/]", "", "", "", $"[bold]{price.TotalExclVat}[/]", $"[bold]{price.TotalInclVat}[/]");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(
            $"[grey]Tariff versions {string.Join(", ", price.Tariffs.Select(t => $"{t.TariffId} v{t.Version}"))}; from the session's events up to version {view.Sources.SessionVersion}. The same document: GET /api/sessions/{view.Id}/price[/]");
    }

    private static string Volume(PriceLine line) => line.Component switch
    {
        PriceComponentType.Energy => $"{line.Volume / 1000m:N3} kWh",
        PriceComponentType.Flat => "1",
        _ => line.BilledVolume == line.Volume ? $"{line.Volume / 60m:N1} min" : $"{line.Volume / 60m:N1} min, billed {line.BilledVolume / 60m:N0}",
    };

    private static string Unit(PriceComponentType component) => component switch
    {
        PriceComponentType.Energy => "kWh",
        PriceComponentType.Flat => "session",
        _ => "h",
    };

    private static string Amount(decimal amount, string currency) => $"{amount:N2} {currency}";
}
