using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Settlement.Host.Access;

namespace Settlement.Host.Dashboard;

/// <summary>
/// <c>GET /api/live/chargers</c>: the dashboard's live charger status as server-sent events. First <c>snapshot</c>
/// (every charger the key sees), then a <c>charger</c> event per change, and a comment every 15 s so that proxies and
/// the browser know the stream is alive. Read with fetch, since the key travels in a header EventSource cannot set.
/// </summary>
public static class LiveChargerEndpoints
{
    public const string Route = "/api/live/chargers";
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public sealed record Snapshot(IReadOnlyList<LiveCharger> Chargers);

    public static IEndpointRouteBuilder MapLiveChargers(this IEndpointRouteBuilder app)
    {
        app.MapGet(Route, async (HttpContext context, OperatorScope scope, LiveChargerFeed feed, Ledger.Ledger ledger,
            IHostApplicationLifetime lifetime, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) =>
        {
            var caller = context.Caller()!;
            var sites = await scope.SitesAsync(context.RequestAborted);
            var (subscription, refusal) = feed.Subscribe(caller.KeyId, sites);
            if (subscription is null)
                return Results.Json(new { error = refusal }, statusCode: StatusCodes.Status429TooManyRequests);
            using (subscription)
            {
                // The client going away and the host stopping both end the stream, and neither is an error.
                using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
                try
                {
                    await StreamAsync(context, subscription, ledger, sites, json.Value.SerializerOptions, ending.Token);
                }
                catch (OperationCanceledException) when (ending.IsCancellationRequested)
                {
                }
            }
            return Results.Empty;
        });
        return app;
    }

    private static async Task StreamAsync(HttpContext context, LiveChargerFeed.Subscription subscription, Ledger.Ledger ledger,
        IReadOnlySet<string>? sites, JsonSerializerOptions json, CancellationToken ct)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Proxies that buffer (nginx) would hold every event back.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var snapshot = new Snapshot(await LiveCharger.SnapshotAsync(ledger, sites, ct));
        await SendAsync(response, $"event: snapshot\ndata: {JsonSerializer.Serialize(snapshot, json)}\n\n", ct);
        var changes = subscription.Changes;
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
            quiet.CancelAfter(KeepAlive);
            bool more;
            try
            {
                more = await changes.WaitToReadAsync(quiet.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await SendAsync(response, ": keep-alive\n\n", ct);
                continue;
            }
            // Completed: the host is stopping.
            if (!more) return;
            while (changes.TryRead(out var charger))
                await SendAsync(response, $"event: charger\ndata: {JsonSerializer.Serialize(charger, json)}\n\n", ct);
        }
    }

    private static async Task SendAsync(HttpResponse response, string message, CancellationToken ct)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(message), ct);
        await response.Body.FlushAsync(ct);
    }
}
