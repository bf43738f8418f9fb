using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Marten;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Domain.Sessions;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Ledger;
using Settlement.Ocpp;
using Settlement.Ocpp.Commands;
using Settlement.Projections.Chargers;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Roaming;

/// <summary>
/// OCPI 2.2.1 Commands, we as receiver: <c>POST /ocpi/2.2.1/commands/{command}</c>. The body is checked, the command
/// recorded (<see cref="OcpiCommandReceived"/>) and answered at once with a CommandResponse; an accepted one then goes
/// to the charger through the OCPP command pipeline under the same id, and what the charger answers (or its silence)
/// reaches the partner's response_url as a CommandResult through the outbox (<see cref="OcpiCommandOutcomes"/>).
/// RESERVE_NOW and CANCEL_RESERVATION are NOT_SUPPORTED: our OCPP layer sends no reservations.
/// </summary>
public static class CommandsModule
{
    public const string Module = "commands";
    private const int MaxBodyBytes = 16 * 1024;

    public sealed record StartSessionBody(string ResponseUrl, OcpiToken Token, string LocationId, string? EvseUid = null, string? ConnectorId = null,
        string? AuthorizationReference = null);

    public sealed record StopSessionBody(string ResponseUrl, string SessionId);

    public sealed record UnlockConnectorBody(string ResponseUrl, string LocationId, string EvseUid, string ConnectorId);

    /// <summary>RESERVE_NOW and CANCEL_RESERVATION: read for their response_url only, as they are answered NOT_SUPPORTED.</summary>
    public sealed record ReservationBody(string ResponseUrl);

    public sealed record DisplayText(string Language, string Text);

    public sealed record CommandResponse(OcpiCommandResponse Result, int Timeout, IReadOnlyList<DisplayText>? Message = null);

    public static void MapCommands(IEndpointRouteBuilder ocpi)
    {
        var commands = ocpi.MapGroup($"/{OcpiRoutes.Version}/{Module}").WithMetadata(new OcpiModuleMetadata(Module));
        commands.MapPost("/START_SESSION", async (HttpContext context, OcpiCommandDispatcher dispatcher, PartnerTokenRegistry tokens, CancellationToken ct) =>
        {
            var (body, refused) = await ReadAsync<StartSessionBody>(context);
            if (refused is not null) return refused;
            var problems = ResponseUrlProblems(body!.ResponseUrl)
                .Concat(Bounded("location_id", body.LocationId)).Concat(Bounded("evse_uid", body.EvseUid)).Concat(Bounded("connector_id", body.ConnectorId))
                .Concat(Bounded("authorization_reference", body.AuthorizationReference))
                .Concat(body.Token.Problems().Select(p => "token." + p)).ToList();
            if (problems.Count > 0) return OcpiResults.InvalidParameters(string.Join(" ", problems));
            var caller = context.OcpiCaller();
            if (!caller.Partner.Roles.Any(r => r.CountryCode == body.Token.CountryCode && r.PartyId == body.Token.PartyId))
                return OcpiResults.InvalidParameters("token.country_code, token.party_id: not one of your registered roles; a partner starts sessions only with its own tokens.");
            if (await dispatcher.FindEvseAsync(body.LocationId, body.EvseUid, ct) is not { } evse)
                return OcpiResults.UnknownLocation($"location_id, evse_uid: no EVSE {body.EvseUid ?? "(one to choose)"} at location {body.LocationId}.");
            var token = await tokens.RecordAsync(caller.PartnerId, body.Token.Values(), caller.Actor, ct);
            if (token.Refusal is { } refusal) return OcpiResults.InvalidParameters("token." + refusal.Message);
            var tokenId = (await tokens.FindAsync(caller.PartnerId, body.Token.Uid, ct))!.Value.Entry.TokenId;
            return await dispatcher.AcceptAsync(context, OcpiCommandType.StartSession, body.ResponseUrl,
                new OcpiCommandTarget(evse.ChargerId, evse.EvseId, body.LocationId, body.EvseUid, body.ConnectorId), tokenId, body.AuthorizationReference, null,
                commandId => new RemoteStart(evse.ChargerId, evse.EvseId, body.Token.Uid) { CommandId = commandId }, ct);
        });
        commands.MapPost("/STOP_SESSION", async (HttpContext context, OcpiCommandDispatcher dispatcher, CancellationToken ct) =>
        {
            var (body, refused) = await ReadAsync<StopSessionBody>(context);
            if (refused is not null) return refused;
            var problems = ResponseUrlProblems(body!.ResponseUrl).Concat(Bounded("session_id", body.SessionId)).ToList();
            if (problems.Count > 0) return OcpiResults.InvalidParameters(string.Join(" ", problems));
            if (await dispatcher.FindSessionAsync(context.OcpiCaller().PartnerId, body.SessionId, ct) is not { } session)
                return await dispatcher.RefuseAsync(context, OcpiCommandType.StopSession, body.ResponseUrl, OcpiCommandResponse.UnknownSession,
                    $"No session {body.SessionId} of yours is charging.", body.SessionId, ct);
            return await dispatcher.AcceptAsync(context, OcpiCommandType.StopSession, body.ResponseUrl,
                new OcpiCommandTarget(session.ChargerId, session.EvseId, null, null, null), null, null, body.SessionId, commandId => new RemoteStop(session.ChargerId, session.TransactionId) { CommandId = commandId }, ct);
        });
        commands.MapPost("/UNLOCK_CONNECTOR", async (HttpContext context, OcpiCommandDispatcher dispatcher, CancellationToken ct) =>
        {
            var (body, refused) = await ReadAsync<UnlockConnectorBody>(context);
            if (refused is not null) return refused;
            var problems = ResponseUrlProblems(body!.ResponseUrl)
                .Concat(Bounded("location_id", body.LocationId)).Concat(Bounded("evse_uid", body.EvseUid)).Concat(Bounded("connector_id", body.ConnectorId)).ToList();
            if (problems.Count > 0) return OcpiResults.InvalidParameters(string.Join(" ", problems));
            if (await dispatcher.FindEvseAsync(body.LocationId, body.EvseUid, ct) is not { } evse
                || !int.TryParse(body.ConnectorId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var connector)
                || !evse.Connectors.Contains(connector))
                return OcpiResults.UnknownLocation($"location_id, evse_uid, connector_id: no connector {body.ConnectorId} of EVSE {body.EvseUid} at location {body.LocationId}.");
            return await dispatcher.AcceptAsync(context, OcpiCommandType.UnlockConnector, body.ResponseUrl,
                new OcpiCommandTarget(evse.ChargerId, evse.EvseId, body.LocationId, body.EvseUid, body.ConnectorId), null, null, null,
                commandId => new UnlockConnector(evse.ChargerId, evse.EvseId, connector) { CommandId = commandId }, ct);
        });
        foreach (var (path, command) in new[] { ("RESERVE_NOW", OcpiCommandType.ReserveNow), ("CANCEL_RESERVATION", OcpiCommandType.CancelReservation) })
            commands.MapPost("/" + path, async (HttpContext context, OcpiCommandDispatcher dispatcher, CancellationToken ct) =>
            {
                var (body, refused) = await ReadAsync<ReservationBody>(context);
                if (refused is not null) return refused;
                if (ResponseUrlProblems(body!.ResponseUrl) is { Count: > 0 } problems) return OcpiResults.InvalidParameters(string.Join(" ", problems));
                return await dispatcher.RefuseAsync(context, command, body.ResponseUrl, OcpiCommandResponse.NotSupported,
                    "Reservations are not supported by our chargers' connection.", null, ct);
            });
    }

    private static async Task<(T? Body, IResult? Refusal)> ReadAsync<T>(HttpContext context) where T : class
    {
        if (context.Request.ContentLength is > MaxBodyBytes) return (null, OcpiResults.InvalidParameters($"body: a command is at most {MaxBodyBytes} bytes."));
        return await OcpiBody.ReadAsync<T>(context.Request);
    }

    private static List<string> ResponseUrlProblems(string url) =>
        url.Length is 0 or > 255 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            ? ["response_url: an http(s) URL of at most 255 characters, where the CommandResult is to be posted."]
            : [];

    private static IEnumerable<string> Bounded(string field, string? value) =>
        value is { Length: 0 or > 36 } ? [$"{field}: 1 to 36 characters."] : [];
}

/// <summary>An EVSE of one of our locations: its charger, its OCPP EVSE id, and its connectors' ids.</summary>
public sealed record CommandedEvse(string ChargerId, int EvseId, IReadOnlyList<int> Connectors);

/// <summary>Where a command goes (charger and EVSE) and how the partner named it (location, EVSE uid, connector), as recorded.</summary>
public sealed record OcpiCommandTarget(string ChargerId, int EvseId, string? LocationId, string? EvseUid, string? ConnectorId);

/// <summary>A session a STOP_SESSION may stop: the partner's, still charging, with its OCPP transaction.</summary>
public sealed record OcpiStoppableSession(string ChargerId, int EvseId, string TransactionId);

/// <summary>
/// Records a partner's command and our answer, then drives the charger in the background: the partner has its
/// CommandResponse at once, the outcome follows as a CommandResult.
/// </summary>
public sealed class OcpiCommandDispatcher(Ledger.Ledger ledger, IMediator mediator, OcpiCommandOutcomes outcomes, OcppOptions ocpp, IClock clock,
    ILogger<OcpiCommandDispatcher> logger)
{
    /// <summary>The EVSE <paramref name="evseUid"/> at location (site) <paramref name="locationId"/>; without an EVSE uid, the location's only EVSE.</summary>
    public async Task<CommandedEvse?> FindEvseAsync(string locationId, string? evseUid, CancellationToken ct)
    {
        await using var query = ledger.QueryReadModels();
        // Most uids name their charger outright ("{charger}*{evse}"); only a long charger id's hashed one needs the location's chargers.
        if (evseUid?.LastIndexOf('*') is > 0 and var star && await query.LoadAsync<ChargerEntry>(StreamIds.Charger(evseUid[..star]), ct) is
                { Registered: true } named && named.SiteId == locationId
            && named.Evses.FirstOrDefault(e => OcpiNetworkIds.EvseUid(named.ChargerId, e.EvseId) == evseUid) is { } direct)
            return new CommandedEvse(named.ChargerId, direct.EvseId, [.. direct.Connectors.Select(k => k.ConnectorId)]);
        var chargers = await query.Query<ChargerEntry>().Where(c => c.SiteId == locationId && c.Registered).Take(1_000).ToListAsync(ct);
        var evses = chargers.SelectMany(c => c.Evses.Select(e => new CommandedEvse(c.ChargerId, e.EvseId, [.. e.Connectors.Select(k => k.ConnectorId)]))).ToList();
        return evseUid is null
            ? evses.Count == 1 ? evses[0] : null
            : evses.FirstOrDefault(e => OcpiNetworkIds.EvseUid(e.ChargerId, e.EvseId) == evseUid);
    }

    /// <summary>The session, when it is <paramref name="partnerId"/>'s and still charging.</summary>
    public async Task<OcpiStoppableSession?> FindSessionAsync(string partnerId, string sessionId, CancellationToken ct)
    {
        await using (var query = ledger.QueryReadModels())
            if (await query.LoadAsync<RoamedSession>(sessionId, ct) is not { } roamed || roamed.PartnerId != partnerId) return null;
        var (events, _) = await ledger.FetchAsync(StreamIds.Session(sessionId), ct);
        var data = events.Select(e => e.Data).ToList();
        return data.OfType<SessionStartedV2>().FirstOrDefault() is { } started && !data.OfType<SessionStopped>().Any()
            ? new OcpiStoppableSession(started.ChargerId, started.EvseId, started.TransactionId)
            : null;
    }

    /// <summary>Answers the command with <paramref name="response"/> (not ACCEPTED): recorded, nothing sent to a charger.</summary>
    public async Task<IResult> RefuseAsync(HttpContext context, OcpiCommandType command, string responseUrl, OcpiCommandResponse response, string message,
        string? sessionId, CancellationToken ct)
    {
        var commandId = Guid.NewGuid().ToString("N");
        OcpiResults.About(context, commandId);
        var caller = context.OcpiCaller();
        await RecordAsync(new OcpiCommandReceived(commandId, caller.PartnerId, command, responseUrl, response, message, null, null, null, null, null, null, null,
            sessionId, clock.GetCurrentInstant()), caller, ct);
        return OcpiResults.Ok(new CommandsModule.CommandResponse(response, 0, [new CommandsModule.DisplayText("en", message)]));
    }

    /// <summary>Records the command as ACCEPTED under a new id, answers, and sends <paramref name="toCharger"/> (given that id) in the background.</summary>
    public async Task<IResult> AcceptAsync(HttpContext context, OcpiCommandType command, string responseUrl, OcpiCommandTarget target, string? tokenId,
        string? authorizationReference, string? sessionId, Func<string, ChargerCommand> toCharger, CancellationToken ct)
    {
        var commandId = Guid.NewGuid().ToString("N");
        OcpiResults.About(context, commandId);
        var caller = context.OcpiCaller();
        await RecordAsync(new OcpiCommandReceived(commandId, caller.PartnerId, command, responseUrl, OcpiCommandResponse.Accepted, null,
            target.LocationId, target.EvseUid, target.ConnectorId, target.ChargerId, target.EvseId, tokenId, authorizationReference, sessionId,
            clock.GetCurrentInstant()), caller, ct);
        var charger = toCharger(commandId) with { IssuedBy = caller.Actor };
        _ = Task.Run(() => SendToChargerAsync(commandId, charger), CancellationToken.None);
        // The partner hears within the charger's call timeout, and the outbox's first attempt after.
        return OcpiResults.Ok(new CommandsModule.CommandResponse(OcpiCommandResponse.Accepted, ocpp.CallTimeoutSeconds + 30));
    }

    /// <summary>
    /// The charger's answer is recorded by the pipeline (CommandCompleted), which the outcome reaction follows; a command
    /// the pipeline refuses before recording anything is concluded here.
    /// </summary>
    private async Task SendToChargerAsync(string commandId, ChargerCommand command)
    {
        try
        {
            await mediator.Send(command, CancellationToken.None);
        }
        catch (Exception problem) when (problem is ArgumentException or UnknownChargerException)
        {
            logger.LogWarning(problem, "OCPI command {CommandId} could not be sent to {Charger}", commandId, command.ChargerId);
            await outcomes.ConcludeAsync(commandId, OcpiCommandResultType.Failed, problem.Message, CancellationToken.None);
        }
    }

    private Task RecordAsync(OcpiCommandReceived received, OcpiCaller caller, CancellationToken ct) =>
        ledger.AppendAsync(StreamAppend.New(OcpiCommandOutcomes.Stream(received.CommandId),
            new PendingEvent(received, new EventMetadata(caller.CorrelationId, null, caller.Actor, received.ReceivedAt))), ct);
}

/// <summary>
/// Follows the OCPP commands' outcomes: one that answers a partner's command concludes it (<see cref="OcpiCommandConcluded"/>)
/// and queues its CommandResult to the partner's response_url; rendered from the command's stream when sent.
/// </summary>
public sealed class OcpiCommandOutcomes(Ledger.Ledger ledger, OcpiPushes pushes, IClock clock) : IOcpiReaction, IOcpiPushRenderer
{
    public static string Stream(string commandId) => $"ocpi-command:{commandId}";

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(CommandCompleted)];

    public string Module => CommandsModule.Module;

    public async Task ReactAsync(RecordedEvent recorded, CancellationToken ct)
    {
        var completed = (CommandCompleted)recorded.Data;
        var (result, message) = ResultOf(completed);
        await ConcludeAsync(completed.CommandId, result, message, ct);
    }

    /// <summary>Concludes the partner's command (once) and queues its result; nothing when the id is no partner's command.</summary>
    public async Task ConcludeAsync(string commandId, OcpiCommandResultType result, string? message, CancellationToken ct)
    {
        var (events, version) = await ledger.FetchAsync(Stream(commandId), ct);
        if (events.Select(e => e.Data).OfType<OcpiCommandReceived>().FirstOrDefault() is not { Response: OcpiCommandResponse.Accepted } received) return;
        if (!events.Any(e => e.Data is OcpiCommandConcluded))
        {
            var now = clock.GetCurrentInstant();
            try
            {
                await ledger.AppendAsync(new StreamAppend(Stream(commandId),
                    [new PendingEvent(new OcpiCommandConcluded(commandId, result, message is { Length: > 255 } ? message[..255] : message, now),
                        EventMetadata.NewCorrelation(new Actor(ActorKind.Job, "ocpi"), now))], version), ct);
            }
            catch (StreamConcurrencyException)
            {
                // Concluded meanwhile (the dispatcher's failure and the relay); the push below is the same either way.
            }
        }
        await pushes.QueueAsync(received.PartnerId, Module, "POST", commandId, 0, ct);
    }

    public async Task<OcpiPushMessage?> RenderAsync(OcpiPushEntry push, OcpiPartnerEntry partner, CancellationToken ct)
    {
        var (events, _) = await ledger.FetchAsync(Stream(push.ObjectId), ct);
        var received = events.Select(e => e.Data).OfType<OcpiCommandReceived>().FirstOrDefault();
        if (received is null || events.Select(e => e.Data).OfType<OcpiCommandConcluded>().FirstOrDefault() is not { } concluded) return null;
        var body = new JsonObject { ["result"] = JsonValue.Create(System.Text.Json.JsonNamingPolicy.SnakeCaseUpper.ConvertName(concluded.Result.ToString())) };
        if (concluded.Message is { } text) body["message"] = new JsonArray(new JsonObject { ["language"] = "en", ["text"] = text });
        return new OcpiPushMessage(received.ResponseUrl, body);
    }

    /// <summary>OCPI CommandResultType from the charger's answer: its status, a CALLERROR, silence or absence.</summary>
    public static (OcpiCommandResultType Result, string? Message) ResultOf(CommandCompleted completed) => completed.Outcome switch
    {
        CommandOutcome.Answered => completed.Status switch
        {
            "Accepted" or "Unlocked" => (OcpiCommandResultType.Accepted, null),
            "NotSupported" => (OcpiCommandResultType.NotSupported, "The charger does not support this."),
            "UnlockFailed" => (OcpiCommandResultType.Failed, "The charger could not unlock the connector."),
            _ => (OcpiCommandResultType.Rejected, $"The charger answered {completed.Status ?? "without a status"}."),
        },
        CommandOutcome.TimedOut => (OcpiCommandResultType.Timeout, "The charger did not answer in time."),
        CommandOutcome.ChargerOffline => (OcpiCommandResultType.Failed, "The charger is not connected."),
        _ => (OcpiCommandResultType.Failed, "The charger refused the message (CALLERROR)."),
    };
}
