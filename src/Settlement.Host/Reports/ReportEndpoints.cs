using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Settlement.Documents.Reports;

namespace Settlement.Host.Reports;

/// <summary>Regulator reports: NEVI (EV-ChART modules 2 to 5) for a period, and the AFIR feed (JSON) and DATEX II publications as of now.</summary>
public static class ReportEndpoints
{
    public const string DefaultNetworkProvider = "settlement";

    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/reports/nevi/{module:int}", (int module, string? site, string? from, string? through, string? provider, string? format,
            RegulatorReports reports, CancellationToken ct) => Refusals.Answer(async () =>
        {
            if (!Periods.TryRequired(from, through, out var period, out var bad)) return bad!;
            var csv = (format ?? "csv").ToLowerInvariant() switch
            {
                "csv" => true,
                "json" => false,
                _ => (bool?)null,
            };
            if (csv is null) return Results.BadRequest(new { error = $"format '{format}' is not one of csv, json." });
            var document = await reports.NeviDocumentAsync(module, site, provider ?? DefaultNetworkProvider, period.From, period.Through, csv.Value, ct);
            return document is null
                ? Results.NotFound(new { error = $"EV-ChART has modules 2 (sessions), 3 (uptime), 4 (outages) and 5 (maintenance costs), not {module}." })
                : Results.File(document, csv.Value ? "text/csv" : "application/json", $"nevi-module-{module}-{from}-{through}.{(csv.Value ? "csv" : "json")}");
        }));

        app.MapGet("/api/reports/afir", (RegulatorReports reports, CancellationToken ct) => Refusals.Answer(async () =>
            Results.File(AfirJson.Render((await reports.AfirAsync(ct)).WhereAfirApplies()), "application/json", "afir-feed.json")));

        // Open to anyone (AFIR Art. 20: free of charge, without registration): the NAP and every app built on the data.
        app.MapGet("/api/afir/datex/table", async (HttpContext context, AfirPublications publications, CancellationToken ct) =>
            Publication(context, (await publications.CurrentAsync(ct)).Table, "afir-datex-table.xml"));
        app.MapGet("/api/afir/datex/status", async (HttpContext context, AfirPublications publications, CancellationToken ct) =>
            Publication(context, (await publications.CurrentAsync(ct)).Status, "afir-datex-status.xml"));

        return app;
    }

    private static IResult Publication(HttpContext context, byte[] xml, string name)
    {
        context.Response.Headers.CacheControl = $"public, max-age={(int)AfirPublications.Freshness.TotalSeconds}";
        return Results.File(xml, "application/xml", name);
    }
}
