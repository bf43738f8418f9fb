using Marten;
using Mediator;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ocpp.Connections;
using Settlement.Ocpp.Framing;
using Settlement.Projections.Chargers;

namespace Settlement.Ocpp.Commands;

/// <summary>
/// Issues a command, sends it over the charger's connection and records the outcome: accepted or
/// rejected (the charger's status), a CALLERROR, no answer in time, or the charger not connected. A charger
/// connected to another node is reached through the <see cref="CommandRelay"/>; this node records either way.
/// </summary>
public sealed class ChargerCommandHandler(ConnectionRegistry connections, CommandRelay relay, Ledger.Ledger ledger, OcppOptions options, IClock clock) :
    IRequestHandler<RemoteStart, CommandResult>, IRequestHandler<RemoteStop, CommandResult>, IRequestHandler<Reset, CommandResult>,
    IRequestHandler<ChangeAvailability, CommandResult>, IRequestHandler<UnlockConnector, CommandResult>,
    IRequestHandler<SetChargingProfile, CommandResult>, IRequestHandler<ClearChargingProfile, CommandResult>,
    IRequestHandler<TriggerMessage, CommandResult>, IRequestHandler<GetSettings, CommandResult>,
    IRequestHandler<ChangeSetting, CommandResult>, IRequestHandler<UpdateFirmware, CommandResult>
{
    public ValueTask<CommandResult> Handle(RemoteStart command, CancellationToken ct) => SendAsync(command, ct);
    public ValueTask<CommandResult> Handle(RemoteStop command, CancellationToken ct) => SendAsync(command, ct);
    public ValueTask<CommandResult> Handle(Reset command, CancellationToken ct) => SendAsync(command, ct);
    public ValueTask<CommandResult> Handle(ChangeAvailability command, CancellationToken ct) => SendAsync(command, ct);
    public ValueTask<CommandResult> Handle(UnlockConnector command, CancellationToken ct) => SendAsync(command, ct);
    public ValueTask<CommandResult> Handle(SetChargingProfile command, CancellationToken ct) => SendAsync(command, ct);
    public ValueTask<CommandResult> Handle(ClearChargingProfile command, CancellationToken ct) => SendAsync(command, ct);
    public ValueTask<CommandResult> Handle(TriggerMessage command, CancellationToken ct) => SendAsync(command, ct);
    public ValueTask<CommandResult> Handle(GetSettings command, CancellationToken ct) => SendAsync(command, ct);
    public ValueTask<CommandResult> Handle(ChangeSetting command, CancellationToken ct) => SendAsync(command, ct);
    public ValueTask<CommandResult> Handle(UpdateFirmware command, CancellationToken ct) => SendAsync(command, ct);

    /// <exception cref="UnknownChargerException">The charger is not registered (a Pending one included).</exception>
    private async ValueTask<CommandResult> SendAsync(ChargerCommand command, CancellationToken ct)
    {
        await using (var query = ledger.QueryReadModels())
            if (await query.LoadAsync<ChargerEntry>(StreamIds.Charger(command.ChargerId), ct) is not { Registered: true })
                throw new UnknownChargerException(command.ChargerId);
        var connection = connections.Find(command.ChargerId);
        var remote = connection is null ? await relay.LocateAsync(command.ChargerId, ct) : null;
        var protocol = connection?.Link.Protocol ?? remote?.Protocol ?? OcppProtocol.Ocpp201;
        var (action, payload) = CommandTranslation.For(command, protocol);
        var reachable = connection is not null || remote is not null;
        if (reachable && OcppSchemaValidator.Default.ValidateRequest(protocol, action, payload) is { } invalid)
            throw new ArgumentException($"{action} would break the OCPP schema: {invalid.Description}");

        var commandId = command.CommandId ?? Guid.NewGuid().ToString("N");
        var correlation = $"command:{commandId}";
        // The charger gets the driver's token; the ledger keeps it only sealed under the driver's key.
        var (withoutToken, token) = OcppDriverToken.Without(payload);
        // Likewise a password the command sets (1.6 AuthorizationKey, 2.0.1 SecurityCtrlr/BasicAuthPassword) is sent, never recorded.
        var recorded = SecretSettings.Redacted(action, withoutToken);
        var sealedToken = token is null ? null : await ledger.Drivers.SealTokenAsync(token, ct);
        await RecordAsync(command, correlation,
            new CommandIssuedV2(command.ChargerId, commandId, action, recorded.ToJsonString(), sealedToken, clock.GetCurrentInstant()), ct);
        if (!reachable)
            return await CompleteAsync(command, correlation, commandId, action, CommandOutcome.ChargerOffline, null, null, $"{command.ChargerId} is not connected", ct);

        CommandAnswer? answer;
        try
        {
            var timeout = TimeSpan.FromSeconds(options.CallTimeoutSeconds);
            answer = connection is not null
                ? await connection.CallAsync(commandId, action, payload, timeout, ct)
                : await relay.CallAsync(remote!, command.ChargerId, commandId, action, payload, timeout, ct);
        }
        catch (ChargerDisconnectedException lost)
        {
            return await CompleteAsync(command, correlation, commandId, action, CommandOutcome.ChargerOffline, null, null, lost.Message, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The host is stopping (or the caller gave up): the command was issued, so its outcome is recorded all the
            // same, as a wait that ended without an answer; the charger may still act on it.
            await CompleteAsync(command, correlation, commandId, action, CommandOutcome.TimedOut, null, null,
                "no answer before the host stopped waiting", CancellationToken.None);
            throw;
        }
        return answer switch
        {
            null => await CompleteAsync(command, correlation, commandId, action, CommandOutcome.TimedOut, null, null,
                $"no answer within {options.CallTimeoutSeconds} s", ct),
            { Error: { } error } => await CompleteAsync(command, correlation, commandId, action, CommandOutcome.CallError, null, null,
                $"{error.ErrorCode}: {error.Description}", ct),
            { Result: { } result } => await CompleteAsync(command, correlation, commandId, action, CommandOutcome.Answered,
                result.Payload["status"]?.GetValue<string>(), result.Payload, null, ct),
            _ => throw new InvalidOperationException("an answer is a result or an error"),
        };
    }

    private async Task<CommandResult> CompleteAsync(ChargerCommand command, string correlation, string commandId, string action,
        CommandOutcome outcome, string? status, System.Text.Json.Nodes.JsonObject? response, string? error, CancellationToken ct)
    {
        await RecordAsync(command, correlation, new CommandCompleted(command.ChargerId, commandId, outcome, status,
            response?.ToJsonString(), clock.GetCurrentInstant()), CancellationToken.None);
        return new CommandResult(commandId, action, outcome, status, response, error);
    }

    private Task RecordAsync(ChargerCommand command, string correlation, object @event, CancellationToken ct) =>
        ledger.AppendAsync(new StreamAppend(StreamIds.Charger(command.ChargerId),
            [new PendingEvent(@event, new EventMetadata(correlation, null, command.IssuedBy, clock.GetCurrentInstant()))]), ct);
}
