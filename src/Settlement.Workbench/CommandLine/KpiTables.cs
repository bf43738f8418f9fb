using NodaTime;
using Settlement.Domain.Kpis;
using Settlement.Host.Kpis;
using Spectre.Console;

namespace Settlement.Workbench.CommandLine;

/// <summary>Per site and per port KPIs for a period, as tables; used by <c>report kpis</c> and the demo.</summary>
public static class KpiTables
{
    public static async Task PrintAsync(Ledger.Ledger ledger, string? site, LocalDate from, LocalDate through, CancellationToken ct, bool perPort = true)
    {
        var histories = await new KpiHistories(ledger).HistoriesAsync(site, through, ct);
        var table = new Table().Title($"KPIs {from:yyyy-MM-dd} to {through:yyyy-MM-dd} (each site's local dates)")
            .AddColumns("Site", "Uptime, lowest port", "Ports > 97%", "Charge success", "Occupied", "Delivering", "Rating");
        var ports = new Table().Title("Uptime per port (23 CFR 680.116(b))").AddColumns("Port", "Minutes", "Outage", "Excluded", "Uptime");
        foreach (var history in histories)
        {
            var (start, until) = history.Bounds(from, through);
            var timelines = history.Timelines(until);
            var uptimes = timelines.Select(t => Uptime.For(t, start, until)).ToList();
            var success = ChargeSuccess.For(history.Chargers, start, until).Total;
            var use = Utilisation.ForSite(history.Site.SiteId, timelines, history.Zone, new DateInterval(from, through));
            var rating = Ratings.For(history.Chargers.SelectMany(c => c.Sessions), start, until);
            table.AddRow(history.Site.SiteId,
                uptimes.Min(u => u.Percent) is { } lowest ? $"{lowest:F2}%" : "-", $"{uptimes.Count(u => u.AboveNeviMinimum)}/{uptimes.Count}",
                success.RatePercent is { } rate ? $"{rate:F1}% of {success.Attempts:N0}" : "-",
                $"{use.Total.OccupiedPercent:F1}%{(use.BelowBreakeven ? " [yellow]<50%[/]" : "")}", $"{use.Total.DeliveringPercent:F1}%",
                rating.AverageStars is { } stars ? $"{stars:F2} ({rating.Count})" : "-");
            foreach (var uptime in uptimes)
                ports.AddRow(uptime.Port.ToString(), $"{uptime.Minutes:N0}", $"{uptime.OutageMinutes:N1}", $"{uptime.ExcludedMinutes:N1}",
                    uptime.Percent is { } percent ? $"{percent:F2}%" : "-");
        }
        AnsiConsole.Write(table);
        if (perPort) AnsiConsole.Write(ports);
        AnsiConsole.MarkupLine("[grey]Occupied below the 50% breakeven is flagged <50%. The same figures: GET /api/kpis/{uptime,charge-success,utilisation,ratings}?from=&through=[/]");
    }
}
