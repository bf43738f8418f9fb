using Settlement.Host.Access;
using Settlement.Host;
using System.Text.Json.Nodes;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Ocpp.Commands;

namespace Settlement.Host.Ocpp;

/// <summary>
/// <c>POST /api/chargers/{chargerId}/commands/{command}</c>. 200 when the charger answered (its status
/// says whether it accepted), 404 when no such charger is registered, 409 when it is not connected, 502 for its CALLERROR, 504 when it stayed silent.
/// </summary>
public static class CommandEndpoints
{
    public sealed record RemoteStartBody(int EvseId, string IdToken);
    public sealed record RemoteStopBody(string TransactionId);
    public sealed record ResetBody(ResetKind Kind);
    public sealed record AvailabilityBody(int EvseId, bool Operative);
    public sealed record UnlockBody(int EvseId, int ConnectorId);
    public sealed record ChargingProfileBody(int EvseId, JsonObject Profile);
    public sealed record ClearChargingProfileBody(int? ProfileId = null);
    public sealed record TriggerBody(string Message, int? EvseId = null);
    public sealed record GetSettingsBody(IReadOnlyList<string> Keys);
    public sealed record ChangeSettingBody(string Key, string Value);
    public sealed record FirmwareBody(Uri Location, Instant RetrieveAt);

    public static IEndpointRouteBuilder MapCommands(this IEndpointRouteBuilder app)
    {
        var commands = app.MapGroup("/api/chargers/{chargerId}/commands");
        commands.MapPost("/remote-start", (string chargerId, RemoteStartBody b, IMediator m, HttpContext h, CancellationToken ct) => Run(m, h, new RemoteStart(chargerId, b.EvseId, b.IdToken), ct));
        commands.MapPost("/remote-stop", (string chargerId, RemoteStopBody b, IMediator m, HttpContext h, CancellationToken ct) => Run(m, h, new RemoteStop(chargerId, b.TransactionId), ct));
        commands.MapPost("/reset", (string chargerId, ResetBody b, IMediator m, HttpContext h, CancellationToken ct) => Run(m, h, new Reset(chargerId, b.Kind), ct));
        commands.MapPost("/change-availability", (string chargerId, AvailabilityBody b, IMediator m, HttpContext h, CancellationToken ct) => Run(m, h, new ChangeAvailability(chargerId, b.EvseId, b.Operative), ct));
        commands.MapPost("/unlock-connector", (string chargerId, UnlockBody b, IMediator m, HttpContext h, CancellationToken ct) => Run(m, h, new UnlockConnector(chargerId, b.EvseId, b.ConnectorId), ct));
        commands.MapPost("/set-charging-profile", (string chargerId, ChargingProfileBody b, IMediator m, HttpContext h, CancellationToken ct) => Run(m, h, new SetChargingProfile(chargerId, b.EvseId, b.Profile), ct));
        commands.MapPost("/clear-charging-profile", (string chargerId, ClearChargingProfileBody b, IMediator m, HttpContext h, CancellationToken ct) => Run(m, h, new ClearChargingProfile(chargerId, b.ProfileId), ct));
        commands.MapPost("/trigger-message", (string chargerId, TriggerBody b, IMediator m, HttpContext h, CancellationToken ct) => Run(m, h, new TriggerMessage(chargerId, b.Message, b.EvseId), ct));
        commands.MapPost("/get-settings", (string chargerId, GetSettingsBody b, IMediator m, HttpContext h, CancellationToken ct) => Run(m, h, new GetSettings(chargerId, b.Keys), ct));
        commands.MapPost("/change-setting", (string chargerId, ChangeSettingBody b, IMediator m, HttpContext h, CancellationToken ct) => Run(m, h, new ChangeSetting(chargerId, b.Key, b.Value), ct));
        commands.MapPost("/update-firmware", (string chargerId, FirmwareBody b, IMediator m, HttpContext h, CancellationToken ct) => Run(m, h, new UpdateFirmware(chargerId, b.Location, b.RetrieveAt), ct));
        return app;
    }

    private static async Task<IResult> Run(IMediator mediator, HttpContext context, ChargerCommand command, CancellationToken ct)
    {
        // Another sub-operator's charger is answered as an unknown one.
        if (!await context.RequestServices.GetRequiredService<OperatorScope>().SeesChargerAsync(command.ChargerId, ct))
            return Results.NotFound(new { error = new UnknownChargerException(command.ChargerId).Message });
        if (context.Caller() is { } caller) command = command with { IssuedBy = caller.Actor };
        CommandResult result;
        try
        {
            result = await mediator.Send(command, ct);
        }
        catch (ArgumentException invalid)
        {
            return Results.BadRequest(new { error = invalid.Message });
        }
        catch (UnknownChargerException unknown)
        {
            return Results.NotFound(new { error = unknown.Message });
        }
        var status = result.Outcome switch
        {
            CommandOutcome.Answered => StatusCodes.Status200OK,
            CommandOutcome.ChargerOffline => StatusCodes.Status409Conflict,
            CommandOutcome.CallError => StatusCodes.Status502BadGateway,
            _ => StatusCodes.Status504GatewayTimeout,
        };
        return Results.Json(result, statusCode: status);
    }
}
