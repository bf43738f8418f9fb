using System.Text.Json.Nodes;
using Mediator;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;

namespace Settlement.Ocpp.Commands;

/// <summary>What the charger said to a command, and the ledger's id for the exchange.</summary>
public sealed record CommandResult(string CommandId, string Action, CommandOutcome Outcome, string? Status, JsonObject? Response, string? Error);

/// <summary>No charger of this id is registered: nothing was sent and nothing recorded, so no stream was started for it.</summary>
public sealed class UnknownChargerException(string chargerId) : Exception($"Charger {chargerId} is not registered.");

/// <summary>A command for one charger; <see cref="IssuedBy"/> is recorded as the actor.</summary>
public abstract record ChargerCommand(string ChargerId) : IRequest<CommandResult>
{
    public Actor IssuedBy { get; init; } = new(ActorKind.Operator, "api");

    /// <summary>The id to issue it under (32 hex digits); null: a new one. Roaming names it first, to record the partner's command with it.</summary>
    public string? CommandId { get; init; }
}

public sealed record RemoteStart(string ChargerId, int EvseId, string IdToken) : ChargerCommand(ChargerId);

public sealed record RemoteStop(string ChargerId, string TransactionId) : ChargerCommand(ChargerId);

public enum ResetKind { Soft, Hard }

public sealed record Reset(string ChargerId, ResetKind Kind) : ChargerCommand(ChargerId);

public sealed record ChangeAvailability(string ChargerId, int EvseId, bool Operative) : ChargerCommand(ChargerId);

public sealed record UnlockConnector(string ChargerId, int EvseId, int ConnectorId) : ChargerCommand(ChargerId);

/// <summary>The profile is given in the charger's protocol shape (1.6 csChargingProfiles / 2.0.1 chargingProfile).</summary>
public sealed record SetChargingProfile(string ChargerId, int EvseId, JsonObject Profile) : ChargerCommand(ChargerId);

public sealed record ClearChargingProfile(string ChargerId, int? ProfileId) : ChargerCommand(ChargerId);

public sealed record TriggerMessage(string ChargerId, string Message, int? EvseId) : ChargerCommand(ChargerId);

/// <summary>1.6 configuration keys, or 2.0.1 "Component/Variable" names.</summary>
public sealed record GetSettings(string ChargerId, IReadOnlyList<string> Keys) : ChargerCommand(ChargerId);

public sealed record ChangeSetting(string ChargerId, string Key, string Value) : ChargerCommand(ChargerId);

/// <summary>
/// Install the firmware at <paramref name="Location"/>, retrieved from <paramref name="RetrieveAt"/> on. <see cref="Signature"/>
/// (base64) and <see cref="SigningCertificate"/> (PEM) are OCPP 2.0.1's signed-firmware fields: sent to 2.0.1 chargers, not
/// to 1.6 ones, whose plain UpdateFirmware has no place for them. <see cref="Retries"/> and <see cref="RetryIntervalSeconds"/>
/// say how often and how far apart the charger tries the download; null leaves it to the charger.
/// </summary>
public sealed record UpdateFirmware(string ChargerId, Uri Location, Instant RetrieveAt) : ChargerCommand(ChargerId)
{
    public string? Signature { get; init; }
    public string? SigningCertificate { get; init; }
    public int? Retries { get; init; }
    public int? RetryIntervalSeconds { get; init; }
}
