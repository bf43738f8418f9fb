using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Settlement.Documents.Reports;

namespace Settlement.Host.Reports;

/// <summary>Regulator reports: NEVI (EV-ChART modules 2 to 5) for a period, and the AFIR feed as of now.</summary>
public static class ReportEndpoints
{
    public const string DefaultNetworkProvider = "settlement";
    public const string DefaultOperatorId = "SET";

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

        app.MapGet("/api/reports/afir", (string? operatorId, string? operatorName, RegulatorReports reports, CancellationToken ct) => Refusals.Answer(async () =>
            Results.File(AfirJson.Render(await reports.AfirAsync(operatorId ?? DefaultOperatorId, operatorName ?? "Settlement", ct)), "application/json", "afir-feed.json")));

        return app;
    }
}
