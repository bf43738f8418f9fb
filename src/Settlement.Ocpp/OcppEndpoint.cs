using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Ocpp.Commands;
using Settlement.Ocpp.Connections;
using Settlement.Ocpp.Framing;
using Settlement.Ocpp.Handling;
using Settlement.Ocpp.Security;
using Settlement.Ocpp.V16;
using Settlement.Ocpp.V201;
using Settlement.Projections.Chargers;

namespace Settlement.Ocpp;

/// <summary><c>ws(s)://host/ocpp/{chargePointIdentity}</c>: the OCPP-J endpoint for 1.6 and 2.0.1 chargers.</summary>
public static class OcppEndpoint
{
    /// <summary>Failed HTTP Basic logins are counted in <see cref="FailedLogins"/> under this realm, per charger id and per client address.</summary>
    public const string Realm = "ocpp";

    public static IServiceCollection AddOcpp(this IServiceCollection services, OcppOptions options) => services
        .AddSingleton(options)
        .AddSingleton<IClock>(SystemClock.Instance)
        .AddSingleton<ConnectionRegistry>()
        .AddSingleton<FailedLogins>()
        .AddSingleton<ChargerPasswords>()
        .AddSingleton<CredentialUpgrades>()
        .AddHostedService(services => services.GetRequiredService<CredentialUpgrades>())
        .AddSingleton<CommandRelay>()
        .AddHostedService(services => services.GetRequiredService<CommandRelay>())
        .AddSingleton<PresenceRecorder>()
        .AddHostedService(services => services.GetRequiredService<PresenceRecorder>())
        .AddHostedService<SilentSessionCloser>()
        .AddSingleton(new MessageGate(options.MaxConcurrentMessages))
        .AddSingleton<ProtocolViolations>()
        .AddHostedService(services => services.GetRequiredService<ProtocolViolations>())
        .AddSingleton<PendingChargers>()
        .AddSingleton<ChargerLedger>()
        .AddSingleton<SessionRecorder>()
        .AddSingleton<TokenAuthoriser>()
        .AddSingleton<LocalLists>()
        .AddHostedService<LocalListReconciler>()
        .AddSingleton<V16Handler>()
        .AddSingleton<V201Handler>();

    public static WebApplication MapOcpp(this WebApplication app)
    {
        // Loading the 206 official schemas takes a few hundred ms: pay it at start-up, not on a charger's first frame.
        _ = OcppSchemaValidator.Default;
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.Map("/ocpp/{identity}", (HttpContext context, string identity) => ConnectAsync(context, identity));
        return app;
    }

    private static async Task ConnectAsync(HttpContext context, string identity)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<OcppOptions>();
        var ledger = services.GetRequiredService<Ledger.Ledger>();
        var clock = services.GetRequiredService<IClock>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Settlement.Ocpp");

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "This is the OCPP-J endpoint: connect with a WebSocket and an ocpp1.6 or ocpp2.0.1 subprotocol.");
            return;
        }
        if (!Identifiers.IsValid(identity))
        {
            await Refuse(context, StatusCodes.Status400BadRequest, $"'{identity}' is not a valid charge point identity ({Identifiers.Shape}).");
            return;
        }

        var logins = services.GetRequiredService<FailedLogins>();
        var chargerSubject = $"charger {identity}";
        var addressSubject = $"address {context.Connection.RemoteIpAddress?.ToString() ?? "unknown"}";
        // Refused before the password is looked at: guessing must not get faster by asking more often.
        var wait = Duration.Max(logins.WaitFor(Realm, chargerSubject), logins.WaitFor(Realm, addressSubject));
        if (wait > Duration.Zero)
        {
            var seconds = Math.Ceiling(wait.TotalSeconds);
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Refuse(context, StatusCodes.Status429TooManyRequests, $"Too many failed logins for {identity} or from this address; try again in {seconds} s.");
            return;
        }

        ChargerEntry? charger;
        await using (var query = ledger.QueryReadModels())
            charger = await query.LoadAsync<ChargerEntry>(StreamIds.Charger(identity), context.RequestAborted);
        var registered = charger?.Registered == true;
        if (!registered && options.UnknownChargers == UnknownChargerPolicy.Reject)
        {
            await Refuse(context, StatusCodes.Status404NotFound, $"Charger {identity} is not registered.");
            return;
        }
        if (options.RequireTls && !context.Request.IsHttps)
        {
            await Refuse(context, StatusCodes.Status403Forbidden, "This central system requires TLS (OCPP security profile 2 or 3): connect with wss://.");
            return;
        }
        if (registered && !CertificateAuthenticated(context, identity, options))
        {
            var presented = BasicCredentials(context);
            if (!await PasswordAuthenticatedAsync(identity, presented, charger!.PasswordHash, options, services, context.RequestAborted))
            {
                // Only presented credentials count: a charger still unconfigured is not guessing.
                if (presented is not null)
                {
                    logins.Failed(Realm, chargerSubject);
                    logins.Failed(Realm, addressSubject);
                }
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"OCPP\"";
                await Refuse(context, StatusCodes.Status401Unauthorized, "Wrong or missing charger credentials (HTTP Basic: identity and password).");
                return;
            }
            logins.Succeeded(Realm, chargerSubject);
            logins.Succeeded(Realm, addressSubject);
        }

        // OCPP-J: with no common subprotocol, complete the handshake without one and close at once.
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        var chosen = OcppProtocols.Supported.FirstOrDefault(offered.Contains);
        if (chosen is null || !OcppProtocols.TryParse(chosen, out var protocol))
        {
            using var unsupported = await context.WebSockets.AcceptWebSocketAsync();
            await unsupported.CloseAsync(WebSocketCloseStatus.ProtocolError,
                $"none of the offered subprotocols ({string.Join(", ", offered)}) is supported: use {string.Join(" or ", OcppProtocols.Supported)}",
                context.RequestAborted);
            return;
        }

        var pending = services.GetRequiredService<PendingChargers>();
        if (!registered && !await pending.AdmitAsync(identity, protocol, context.RequestAborted))
        {
            await Refuse(context, StatusCodes.Status503ServiceUnavailable,
                $"{options.MaxPendingChargers} unregistered chargers are pending already; ask the operator to register {identity}.");
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = chosen });
        var link = new ChargerLink(identity, protocol, registered);
        IProtocolHandler handler = protocol == OcppProtocol.Ocpp16 ? services.GetRequiredService<V16Handler>() : services.GetRequiredService<V201Handler>();
        var chargers = services.GetRequiredService<ChargerLedger>();
        var violations = services.GetRequiredService<ProtocolViolations>();
        var connection = new ChargerConnection(socket, link, handler, chargers, options, clock, logger, services.GetRequiredService<MessageGate>(),
            violations, pending);
        var registry = services.GetRequiredService<ConnectionRegistry>();
        var previous = registry.Register(connection);
        if (previous is not null)
        {
            previous.Replaced = true;
            await previous.CloseAsync(WebSocketCloseStatus.PolicyViolation, "replaced by a newer connection from the same charger");
        }
        var relay = services.GetRequiredService<CommandRelay>();
        var presence = services.GetRequiredService<PresenceRecorder>();
        try
        {
            var heldBefore = previous is not null || await relay.LocateAsync(identity, context.RequestAborted) is not null;
            await relay.AnnounceAsync(connection, context.RequestAborted);
            // A Pending charger has no stream to record its presence in.
            if (registered) await presence.RecordConnectedAsync(identity, heldBefore, context.RequestAborted);
            await connection.RunAsync(context.RequestAborted);
        }
        finally
        {
            registry.Remove(connection);
            connection.FailPendingCalls();
            try
            {
                await relay.WithdrawAsync(identity, CancellationToken.None);
            }
            catch (Exception unreachable)
            {
                logger.LogWarning(unreachable, "Could not withdraw {Charger}'s presence; it dies with this host's listening session", identity);
            }
            // The violations counted so far happened before the charger left: their count comes first.
            await violations.FlushAsync(identity, CancellationToken.None);
            // A Pending charger has no stream to record its outage in, unless the operator registered it meanwhile.
            if (!connection.Replaced && (link.Registered || await RegisteredAsync(ledger, identity)))
                await presence.RecordDisconnectedAsync(identity, connection.LastSeenAt);
            if (!link.Registered)
                await pending.RecordDisconnectAsync(identity, connection.LastSeenAt, connection.RefusedWhilePending, CancellationToken.None);
        }
    }

    /// <summary>Security profile 3: a client certificate from the charger CA naming this charger.</summary>
    private static bool CertificateAuthenticated(HttpContext context, string identity, OcppOptions options)
    {
        if (options.ChargerCertificateAuthority is not { } authority || context.Connection.ClientCertificate is not { } certificate)
            return false;
        if (certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) != identity)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static async Task<bool> PasswordAuthenticatedAsync(string identity, (string User, string Password)? presented, string? passwordHash,
        OcppOptions options, IServiceProvider services, CancellationToken ct)
    {
        if (passwordHash is null) return options.AllowChargersWithoutPassword;
        if (presented is not var (user, password) || user != identity) return false;
        if (!await services.GetRequiredService<ChargerPasswords>().VerifyAsync(password, passwordHash, ct)) return false;
        services.GetRequiredService<CredentialUpgrades>().Request(identity, password, passwordHash);
        return true;
    }

    /// <summary>The user and password of an HTTP Basic header; null when there is none or it is malformed.</summary>
    private static (string User, string Password)? BasicCredentials(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        string decoded;
        try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim())); }
        catch (FormatException) { return null; }
        var colon = decoded.IndexOf(':');
        return colon > 0 ? (decoded[..colon], decoded[(colon + 1)..]) : null;
    }

    private static async Task<bool> RegisteredAsync(Ledger.Ledger ledger, string identity)
    {
        await using var query = ledger.QueryReadModels();
        return await query.LoadAsync<ChargerEntry>(StreamIds.Charger(identity)) is { Registered: true };
    }

    private static async Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(message);
    }
}
