using System.IO.Compression;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NodaTime;
using NodaTime.Text;
using Settlement.Host.Access;
using Settlement.Ledger.Audit;

namespace Settlement.Host.Audit;

/// <summary>A run started in the background: ask its GET (the Location) until it ends.</summary>
public sealed record RunStarted(string RunId);

/// <summary>
/// What `settle verify`, `settle replay --compare` and `settle export` do, asked of the running host (the dashboard's
/// Evidence page): a verification and a replay as runs in the background with their progress, and the auditor's bundle
/// of a period as a zip. Each covers the whole ledger, every sub-operator's history in it, so only the top-level
/// operator's keys (Operator, Auditor) may ask.
/// </summary>
public static class EvidenceEndpoints
{
    public const int MostBundleDays = 366;
    private const string RunsForgotten = "runs are kept in memory, the last 20, until the host restarts";

    public static void MapEvidence(this IEndpointRouteBuilder app)
    {
        var services = app.ServiceProvider;
        var ledger = services.GetRequiredService<Ledger.Ledger>();
        var configuration = services.GetRequiredService<IConfiguration>();
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var clock = SystemClock.Instance;
        var verifyRuns = new AuditRuns<VerifyRun>(stopping);
        var replayRuns = new AuditRuns<ReplayRun>(stopping);

        app.MapPost("/api/audit/verify-runs", (OperatorScope scope) =>
        {
            if (scope.TopLevelOnly("verify the whole ledger") is { } refused) return refused;
            // Read at each run, as `settle verify` does: the checkpoint schedule may have anchored more since the host started.
            var anchors = AnchorLog.For(ledger.DatabaseName, configuration[AnchorLog.Setting]);
            return verifyRuns.TryStart(() => new VerifyRun(clock.GetCurrentInstant()), (run, ct) => run.RunAsync(ledger, anchors, clock, ct), out var run)
                ? Results.Accepted($"/api/audit/verify-runs/{run.RunId}", new RunStarted(run.RunId))
                : Results.Conflict(new { error = $"Verify run {run.RunId} is under way; one runs at a time. Ask GET /api/audit/verify-runs/{run.RunId} until it ends.", runId = run.RunId });
        });

        app.MapGet("/api/audit/verify-runs/{runId}", (string runId, OperatorScope scope) =>
            scope.TopLevelOnly("read the whole ledger's verification") ??
            (verifyRuns.Find(runId) is { } run
                ? Results.Ok(run.View)
                : Results.NotFound(new { error = $"No verify run {runId}: {RunsForgotten}." })));

        app.MapPost("/api/audit/replay-runs", (string? until, OperatorScope scope) =>
        {
            if (scope.TopLevelOnly("replay the whole ledger") is { } refused) return refused;
            Instant? cut = null;
            if (until is not null)
            {
                if (InstantPattern.ExtendedIso.Parse(until) is not { Success: true } parsed)
                    return Results.BadRequest(new { error = $"until '{until}' is not an instant like 2026-10-15T00:00:00Z." });
                cut = parsed.Value;
            }
            // The replay creates and drops its own schema, which the application's role may not: only an owner's connection can.
            if (configuration[ReplayRun.ConnectionSetting] is not { Length: > 0 } owner)
                return Results.Json(new
                {
                    error = $"This host was given no schema owner's connection ({ReplayRun.ConnectionSetting}), which a replay needs to create its schema. " +
                            "`settle serve` gives its own; or run `settle replay --compare`.",
                }, statusCode: StatusCodes.Status503ServiceUnavailable);
            return replayRuns.TryStart(() => new ReplayRun(cut, clock.GetCurrentInstant()), (run, ct) => run.RunAsync(ledger, owner, clock, ct), out var run)
                ? Results.Accepted($"/api/audit/replay-runs/{run.RunId}", new RunStarted(run.RunId))
                : Results.Conflict(new { error = $"Replay run {run.RunId} is under way; one runs at a time. Ask GET /api/audit/replay-runs/{run.RunId} until it ends.", runId = run.RunId });
        });

        app.MapGet("/api/audit/replay-runs/{runId}", (string runId, OperatorScope scope) =>
            scope.TopLevelOnly("read the whole ledger's replay") ??
            (replayRuns.Find(runId) is { } run
                ? Results.Ok(run.View)
                : Results.NotFound(new { error = $"No replay run {runId}: {RunsForgotten}." })));

        app.MapGet("/api/audit/bundle", async (string? from, string? to, OperatorScope scope, HttpContext http, CancellationToken ct) =>
        {
            if (scope.TopLevelOnly("export the whole ledger's events") is { } refused) return refused;
            var (start, end, bad) = Period(from, to);
            if (bad is not null) return bad;
            // As `settle export` does: every event of the period must be linked before it can be bundled.
            await services.GetRequiredService<ChainWriter>().CatchUpAsync(ct: ct);
            BundlePeriod events;
            try
            {
                events = await BundleExport.PeriodAsync(ledger, start, end, ct);
            }
            catch (InvalidDataException nothing)
            {
                return Results.NotFound(new { error = nothing.Message });
            }
            // The bundle is written as `settle export` writes it, to a directory of its own, then zipped into the answer as it is read.
            var directory = Path.Combine(Path.GetTempPath(), "settlement-bundle-" + Guid.NewGuid().ToString("N"));
            try
            {
                await BundleExport.WriteAsync(ledger, events, directory, new BundleDocuments(), Tool, ct: ct);
            }
            catch
            {
                Remove(directory);
                throw;
            }
            return Results.Stream(async body =>
            {
                try
                {
                    // The zip writer ends each entry with a few synchronous writes, which Kestrel refuses unless told.
                    if (http.Features.Get<IHttpBodyControlFeature>() is { } control) control.AllowSynchronousIO = true;
                    await ZipFile.CreateFromDirectoryAsync(directory, body, ct);
                }
                finally
                {
                    Remove(directory);
                }
            }, "application/zip", $"settlement-audit-{Day(start)}-to-{Day(end - Duration.Epsilon)}.zip");
        });
    }

    /// <summary>A bundle's period: from (inclusive) and to (through its end when a date), at most <see cref="MostBundleDays"/> days.</summary>
    private static (Instant Start, Instant End, IResult? Bad) Period(string? from, string? to)
    {
        Instant start, end;
        try
        {
            start = BundleExport.Bound(from, "from", endOfDay: false);
            end = BundleExport.Bound(to, "to", endOfDay: true);
        }
        catch (InvalidDataException wrong)
        {
            return (default, default, Results.BadRequest(new { error = $"{wrong.Message} Give the period as from=2026-10-01&to=2026-10-31 (dates, both inclusive, or instants)." }));
        }
        if (end <= start)
            return (default, default, Results.BadRequest(new { error = $"to {to} is not after from {from}." }));
        if (end - start > Duration.FromDays(MostBundleDays))
            return (default, default, Results.BadRequest(new { error = $"to {to} is more than {MostBundleDays} days after from {from}: ask for at most {MostBundleDays} days at a time." }));
        return (start, end, null);
    }

    private static string Day(Instant instant) => LocalDatePattern.Iso.Format(instant.InUtc().Date);

    private static void Remove(string directory)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    /// <summary>What the bundle's manifest names as its writer: this host's build.</summary>
    private static string Tool => "settle serve " + (typeof(EvidenceEndpoints).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");
}
