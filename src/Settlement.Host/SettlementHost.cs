using Marten;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Settlement.Domain.Events;
using Settlement.Host.Access;
using Settlement.Host.Dashboard;
using Settlement.Host.Audit;
using Settlement.Host.Invoicing;
using Settlement.Host.Receivables;
using Microsoft.AspNetCore.Http.Features;
using Settlement.Ledger;
using Settlement.Ledger.Audit;
using Settlement.Host.Kpis;
using Settlement.Host.LoadBalancing;
using Settlement.Host.Firmware;
using Settlement.Host.Reports;
using Settlement.Host.Sessions;
using Settlement.Host.Chargers;
using Settlement.Host.Drivers;
using Settlement.Host.Ocpp;
using Settlement.Host.OpenApi;
using Settlement.Host.Tariffs;
using Settlement.Host.Roaming;
using Settlement.Host.SelfHealing;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Ocpp;
using Settlement.Ledger.Store;
using Settlement.Projections.Chargers;

namespace Settlement.Host;

/// <summary>The ASP.NET Core host: REST, OCPP WebSockets and OCPI 2.2.1.</summary>
public static class SettlementHost
{
    public static WebApplication Build(Ledger.Ledger ledger, string databaseDescription, params string[] urls) =>
        Build(ledger, databaseDescription, ocpp: null, urls);

    /// <param name="ocpp">OCPP endpoint settings; null reads the "Ocpp" configuration section.</param>
    /// <param name="serverCertificate">For https:// URLs (OCPP security profiles 2 and 3).</param>
    public static WebApplication Build(Ledger.Ledger ledger, string databaseDescription, OcppOptions? ocpp, params string[] urls) =>
        Build(ledger, databaseDescription, ocpp, serverCertificate: null, urls);

    public static WebApplication Build(Ledger.Ledger ledger, string databaseDescription, OcppOptions? ocpp,
        X509Certificate2? serverCertificate, params string[] urls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        if (serverCertificate is not null)
            builder.WebHost.UseKestrelHttpsConfiguration().ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = serverCertificate;
                // Profile 3 chargers present a certificate, profile 2 ones do not: the endpoint decides per charger.
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.AllowAnyClientCertificate();
            }));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = BoundedInput.LargestBodyBytes);
        // Per-request lines would drown what matters once thousands of chargers talk to the host.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // And four lines per call to a roaming partner; every OCPI message is an event already.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        // Likewise a line per batch of events the projection daemon applies.
        builder.Logging.AddFilter(typeof(AsyncProjections).FullName, LogLevel.Warning);
        builder.Services.ConfigureHttpJsonOptions(json => Ledger.LedgerJson.Configure(json.SerializerOptions));
        builder.Services.AddSingleton(ledger);
        builder.Services.AddHostedService<PrivilegeWarning>();
        builder.Services.AddSingleton(services => new AsyncProjections(ledger, services.GetRequiredService<ILogger<AsyncProjections>>()));
        // An ingest-only host (Projections:Run=false) leaves the async projections to the other hosts.
        if (builder.Configuration.GetValue("Projections:Run", defaultValue: true))
            builder.Services.AddHostedService(services => services.GetRequiredService<AsyncProjections>());
        // Every host may write the hash chain; one does at a time (Audit:Chain=false keeps a host out).
        builder.Services.AddSingleton(services => new ChainWriter(ledger, services.GetRequiredService<ILogger<ChainWriter>>()));
        if (builder.Configuration.GetValue("Audit:Chain", defaultValue: true))
            builder.Services.AddHostedService(services => services.GetRequiredService<ChainWriter>());
        // Audit:CheckpointKeyFile names the operator's key: then the hosts sign checkpoints on Audit:CheckpointCron, once per occurrence.
        builder.AddLedgerJobs(ledger);
        builder.AddCheckpointSchedule(ledger);
        builder.AddRoaming(ledger);
        // One host at a time drives the chargers of sites with a power model (LoadBalancing:Run=false keeps a host out).
        if (builder.Configuration.GetValue("LoadBalancing:Run", defaultValue: true))
            builder.Services.AddHostedService<SiteBalancer>();
        // One host at a time drives the firmware rollouts (Firmware:Run=false keeps a host out).
        if (builder.Configuration.GetValue("Firmware:Run", defaultValue: true))
            builder.Services.AddHostedService<RolloutRunner>();
        // One host at a time opens incidents and climbs their ladders (SelfHealing:Run=false keeps a host out); every host runs their deadlines.
        builder.AddSelfHealing(builder.Configuration.GetValue("SelfHealing:Run", defaultValue: true));
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<Callers>();
        builder.Services.AddScoped<OperatorScope>();
        builder.Services.AddSingleton<InvoiceInputs>();
        builder.Services.AddSingleton<KpiHistories>();
        builder.Services.AddSingleton<RegulatorReports>();
        builder.Services.AddSingleton<AfirPublications>();
        builder.Services.AddApiDocument();
        // One follower of the ledger per host feeds every open live stream of the dashboard.
        builder.Services.AddSingleton<LiveChargerFeed>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LiveChargerFeed>());
        builder.Services.AddOcpp(ocpp ?? builder.Configuration.GetSection("Ocpp").Get<OcppOptions>() ?? new OcppOptions());
        // Every command, from every edge, reaches its one handler through the mediator.
        builder.Services.AddMediator(mediator =>
        {
            mediator.ServiceLifetime = ServiceLifetime.Singleton;
            mediator.PipelineBehaviors = [typeof(CommandPipeline<,>)];
        });
        // Bad request bodies surface as exceptions so that RequestErrors can say what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        var app = builder.Build();
        if (ledger.Drivers.IsDevelopmentSecret)
            app.Logger.LogWarning("The driver vault uses its built-in development secret: set {Variable} before real drivers' tokens reach this host.",
                Ledger.Drivers.VaultSecret.EnvironmentVariable);
        app.Use(async (context, next) =>
        {
            var limit = BoundedInput.BodyLimitOf(context.Request.Path);
            if (context.Request.ContentLength > limit)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await context.Response.WriteAsJsonAsync(new { error = $"The request body may be at most {limit} bytes, not {context.Request.ContentLength}." });
                return;
            }
            // A body sent without a length (chunked) is cut off by Kestrel at the same limit.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
            await next(context);
        });
        // The dashboard's files are public (they hold no data): served before access control, which guards the API they call.
        app.UseDashboard();
        // Routing first, so access control knows which endpoint a request is for before anything answers it.
        app.UseRouting();
        app.UseApiAccess();
        app.UseOcpiAccess();
        app.UseRequestErrors();
        app.MapOcpp();
        app.MapOcpi();
        var api = app.MapGroup("").AddEndpointFilter<BoundedInput>();
        api.MapAccess();
        api.MapAccessMe();
        api.MapSubOperators();
        api.MapCommands();
        api.MapChargerOnboarding();
        api.MapSites();
        api.MapPower();
        api.MapFirmwareRollouts();
        api.MapSessions();
        api.MapTariffs();
        api.MapInvoicing();
        api.MapReceivables();
        api.MapSalesTax();
        api.MapKpis();
        api.MapSelfHealing();
        api.MapReports();
        api.MapAudit();
        api.MapDrivers();
        api.MapTokens();
        api.MapRoamingPartners();
        api.MapRoamingCdrs();
        api.MapLiveChargers();
        app.MapApiDocument();

        // Without a key, only whether the host is up: the rest describes the deployment to whoever asks.
        app.MapGet("/health", async (HttpContext context, CancellationToken ct) =>
        {
            if (context.Caller() is null) return Results.Ok(new { status = "ok" });
            var statistics = await ledger.CountAsync(ct);
            return Results.Ok(new
            {
                status = "ok", database = databaseDescription, events = statistics.Events, streams = statistics.Streams,
                runsProjections = app.Services.GetRequiredService<AsyncProjections>().IsLeader,
                writesChain = app.Services.GetRequiredService<ChainWriter>().IsWriter,
                chainHead = (await ChainHead.ReadAsync(ledger, ct)).Sequence,
            });
        });

        // Auditors read a stream exactly as recorded (data, stored type, both times, who and why), but for its secrets.
        // A sub-operator's keys read only the streams of what they see; another's are answered as missing.
        api.MapGet("/api/streams/{streamId}", async (string streamId, OperatorScope scope, CancellationToken ct) =>
        {
            var events = await scope.SeesStreamAsync(streamId, ct) ? await ledger.ReadStreamAsync(streamId, ct) : [];
            return events.Count == 0
                ? Results.NotFound(new { error = $"No stream '{streamId}'. Stream ids look like {StreamIds.Charger("DE-MUC-01")} or {StreamIds.Session("...")}." })
                : Results.Ok(events.Select(e => new
                {
                    e.Id, e.StreamId, e.Version, e.Sequence, type = e.StoredType, data = SecretRedaction.Redacted(e.Data),
                    correlationId = e.Metadata.CorrelationId, causationId = e.Metadata.CausationId,
                    actor = e.Metadata.Actor.ToString(), occurredAt = e.Metadata.OccurredAt, recordedAt = e.RecordedAt,
                }));
        });

        return app;
    }
}
