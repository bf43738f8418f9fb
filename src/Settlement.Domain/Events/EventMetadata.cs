using NodaTime;
using Settlement.Domain.Drivers;

namespace Settlement.Domain.Events;

public enum ActorKind { Charger, ApiKey, Job, Operator, Partner }

/// <summary>Who or what caused an event, stored as "kind:id", e.g. "charger:DE-MUC-01" or "job:demo".</summary>
public readonly record struct Actor(ActorKind Kind, string Id)
{
    public static Actor Charger(string chargerId) => new(ActorKind.Charger, chargerId);
    public static Actor ApiKey(string keyId) => new(ActorKind.ApiKey, keyId);
    public static Actor Job(string jobName) => new(ActorKind.Job, jobName);

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Id}";

    public static Actor Parse(string text)
    {
        var colon = text.IndexOf(':');
        if (colon <= 0 || colon == text.Length - 1
            || !Enum.TryParse<ActorKind>(text[..colon], ignoreCase: true, out var kind))
            throw new FormatException($"'{text}' is not an actor of the form kind:id (kinds: {string.Join(", ", Enum.GetNames<ActorKind>())}).");
        return new Actor(kind, text[(colon + 1)..]);
    }
}

/// <summary>
/// What every stored event carries besides its data. <paramref name="OccurredAt"/> is the time at the
/// source (the charger's clock, the partner's CDR); the ledger adds the time it recorded the event.
/// </summary>
public sealed record EventMetadata(string CorrelationId, string? CausationId, Actor Actor, Instant OccurredAt)
{
    /// <summary>The message the event was derived from, exactly as received (e.g. an OCPP frame), for audit.</summary>
    public string? SourceMessage { get; init; }

    /// <summary>
    /// A source message carrying a driver's token (an OCPP Authorize, a start or stop with an idTag), sealed
    /// under that driver's key instead of being kept in plain in <see cref="SourceMessage"/>.
    /// </summary>
    public DriverSealed? SealedSourceMessage { get; init; }

    public static EventMetadata NewCorrelation(Actor actor, Instant occurredAt) =>
        new(Guid.NewGuid().ToString("N"), null, actor, occurredAt);

    /// <summary>Metadata for an event caused by another: same correlation, the cause's id as causation.</summary>
    public EventMetadata CausedBy(string causationId, Instant occurredAt) =>
        this with { CausationId = causationId, OccurredAt = occurredAt };
}
