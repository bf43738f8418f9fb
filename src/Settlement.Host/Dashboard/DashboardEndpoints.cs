using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.FileProviders;
using Settlement.Domain.Events;
using Settlement.Host.Access;
using Settlement.Projections.Access;

namespace Settlement.Host.Dashboard;

/// <summary>Who signed in: never the secret, only what the key may open.</summary>
public sealed record SignedInKey(string KeyId, string Name, string Role, string? OperatorId, IReadOnlyList<string> Pages, IReadOnlyList<string> Endpoints);

/// <summary>
/// The dashboard: its static files (built from src/Settlement.Dashboard with npm when the host is built) at
/// <c>/dashboard/</c>, and <c>GET /api/access/me</c>, which tells the signed-in key which pages it may open.
/// </summary>
public static class DashboardEndpoints
{
    public const string Path = "/dashboard";

    /// <summary>Where the build puts the dashboard's files beside the host's assemblies.</summary>
    public static string FilesDirectory => System.IO.Path.Combine(AppContext.BaseDirectory, "dashboard");

    public static IEndpointRouteBuilder MapAccessMe(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/access/me", async (HttpContext context, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            var caller = context.Caller()!;
            await using var query = ledger.QueryReadModels();
            var key = await query.LoadAsync<ApiKeyEntry>(StreamIds.ApiKey(caller.KeyId), ct);
            return Results.Ok(new SignedInKey(caller.KeyId, key?.Name ?? caller.KeyId, caller.Role.ToString(), caller.OperatorId,
                DashboardPages.For(caller.Role), DashboardPages.EndpointsFor(caller.Role)));
        });
        return app;
    }

    /// <summary>
    /// Serves the built dashboard with headers that keep it to its own origin: scripts, styles and data come from this
    /// host only, and no other site may frame it. Without a build, says how to make one instead of a bare 404.
    /// </summary>
    public static WebApplication UseDashboard(this WebApplication app)
    {
        app.MapGet("/", () => Results.Redirect(Path + "/")).ExcludeFromDescription();
        var index = System.IO.Path.Combine(FilesDirectory, "index.html");
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), branch =>
        {
            branch.Use(async (context, next) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                if (!File.Exists(index))
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    await context.Response.WriteAsync($"The dashboard was not built into {FilesDirectory}: install Node.js 18 or newer with npm, then build the host again (dotnet build runs `npm ci` and `npm run build` in src/Settlement.Dashboard).");
                    return;
                }
                if (context.Request.Path.Equals(Path))
                {
                    context.Response.Redirect(Path + "/");
                    return;
                }
                await next(context);
            });
            var files = new PhysicalFileProvider(Directory.Exists(FilesDirectory) ? FilesDirectory : AppContext.BaseDirectory);
            branch.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = Path });
            branch.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                RequestPath = Path,
                OnPrepareResponse = served => served.Context.Response.Headers.CacheControl = "no-cache",
            });
        });
        return app;
    }
}
