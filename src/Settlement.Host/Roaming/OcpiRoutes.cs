using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Domain.Roaming;
using Settlement.Host.Roaming.Ocpi;

namespace Settlement.Host.Roaming;

/// <summary>
/// OCPI 2.2.1 as CPO under <c>/ocpi</c>: the versions endpoint, version 2.2.1's details, and each module's routes.
/// Partners find every module through <see cref="Modules"/>, so a module is listed there when it is mapped.
/// </summary>
public static class OcpiRoutes
{
    public const string Version = "2.2.1";
    public const string VersionPath = "/ocpi/" + Version;

    /// <summary>The modules we implement and as which interface role, as version details lists them.</summary>
    public static readonly IReadOnlyList<(string Module, OcpiInterfaceRole Role)> Modules =
    [
        ("credentials", OcpiInterfaceRole.Sender),
        (LocationsModule.Module, OcpiInterfaceRole.Sender),
        (TariffsModule.Module, OcpiInterfaceRole.Sender),
        (TokensModule.Module, OcpiInterfaceRole.Receiver),
        (CommandsModule.Module, OcpiInterfaceRole.Receiver),
        (SessionsModule.Module, OcpiInterfaceRole.Sender),
        (CdrsModule.Module, OcpiInterfaceRole.Sender),
    ];

    public static void AddRoaming(this WebApplicationBuilder builder, Ledger.Ledger ledger)
    {
        var options = builder.Configuration.GetSection("Ocpi").Get<OcpiOptions>() ?? new OcpiOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddHttpClient<OcpiClient>();
        builder.Services.AddSingleton<OcpiPushes>();
        builder.Services.AddTransient<OcpiPushJob>();
        builder.Services.AddHostedService<OcpiRelay>();
        builder.Services.AddSingleton<IOcpiReaction, EvseStatusPushes>();
        builder.Services.AddSingleton<IOcpiPushRenderer, EvseStatusPushRenderer>();
        builder.Services.AddSingleton<PartnerTokenRegistry>();
        builder.Services.AddSingleton<PartnerTokenAuthoriser>();
        builder.Services.AddSingleton<Settlement.Ocpp.Handling.IPartnerTokenAuthoriser>(services => services.GetRequiredService<PartnerTokenAuthoriser>());
        builder.Services.AddSingleton<IOcpiReaction, RoamingSessionRecorder>();
        builder.Services.AddSingleton<OcpiCommandOutcomes>();
        builder.Services.AddSingleton<IOcpiReaction>(services => services.GetRequiredService<OcpiCommandOutcomes>());
        builder.Services.AddSingleton<IOcpiPushRenderer>(services => services.GetRequiredService<OcpiCommandOutcomes>());
        builder.Services.AddSingleton<OcpiCommandDispatcher>();
        builder.Services.AddSingleton<OcpiSessionRenderer>();
        builder.Services.AddSingleton<IOcpiPushRenderer>(services => services.GetRequiredService<OcpiSessionRenderer>());
        builder.Services.AddSingleton<IOcpiReaction, OcpiSessionReaction>();
        builder.Services.AddSingleton<OcpiCdrRenderer>();
        builder.Services.AddSingleton<IOcpiPushRenderer>(services => services.GetRequiredService<OcpiCdrRenderer>());
        builder.Services.AddSingleton<IOcpiReaction, OcpiCdrReaction>();
        builder.Services.AddHostedService<CdrIssuer>();
        builder.Services.AddRecurringJob(jobs => jobs.AddOrUpdate<OcpiPushJob>("ocpi-outbox-sweep",
            job => job.SweepAsync(CancellationToken.None), Cron.Minutely(), new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc }));
    }

    public static void MapOcpi(this IEndpointRouteBuilder app)
    {
        var ocpi = app.MapGroup("/ocpi");
        ocpi.MapGet("/versions", (HttpContext context, OcpiOptions options) =>
                OcpiResults.Ok(new[] { new { version = Version, url = BaseUrl(context, options) + VersionPath } }))
            .WithMetadata(new OcpiModuleMetadata("versions", OpenToTokenA: true));
        ocpi.MapGet("/" + Version, (HttpContext context, OcpiOptions options) => OcpiResults.Ok(new
            {
                version = Version,
                endpoints = Modules.Select(m => new { identifier = m.Module, role = m.Role.ToString().ToUpperInvariant(), url = $"{BaseUrl(context, options)}{VersionPath}/{m.Module}" }),
            }))
            .WithMetadata(new OcpiModuleMetadata("versions", OpenToTokenA: true));
        ocpi.MapCredentials();
        ocpi.MapLocations();
        ocpi.MapTariffsModule();
        TokensModule.MapTokens(ocpi);
        CommandsModule.MapCommands(ocpi);
        ocpi.MapOcpiSessions();
        ocpi.MapOcpiCdrs();
    }

    /// <summary>Our public base URL: configured, or as the partner reached us.</summary>
    public static string BaseUrl(HttpContext context, OcpiOptions options) =>
        options.PublicUrl?.TrimEnd('/') ?? $"{context.Request.Scheme}://{context.Request.Host}";
}
