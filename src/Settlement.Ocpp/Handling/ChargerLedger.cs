using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Ledger;

namespace Settlement.Ocpp.Handling;

/// <summary>One CALL from a charger as received: the facts derived from it carry its frame and id.</summary>
public sealed record InboundCall(string ChargerId, string MessageId, string Action, string RawFrame, Instant ReceivedAt)
{
    /// <summary>Causation of every event derived from this frame; also names the frame in audits.</summary>
    public string CausationId => $"ocpp:{ChargerId}:{MessageId}";

    public EventMetadata Metadata(Instant occurredAt, string? correlationId = null) =>
        new(correlationId ?? CausationId, CausationId, Actor.Charger(ChargerId), occurredAt) { SourceMessage = RawFrame };
}

/// <summary>Appends what a charger reported to its own stream.</summary>
public sealed class ChargerLedger(Ledger.Ledger ledger)
{
    public Ledger.Ledger Ledger => ledger;

    /// <summary>For the many OCPP messages whose answer is an empty object once their fact is recorded.</summary>
    public async Task<JsonObject> RecordAndAcknowledgeAsync(InboundCall call, CancellationToken ct, object @event)
    {
        await RecordAsync(call, call.ReceivedAt, ct, @event);
        return [];
    }

    public Task RecordAsync(InboundCall call, Instant occurredAt, CancellationToken ct, params object[] events) =>
        events.Length == 0
            ? Task.CompletedTask
            : ledger.AppendAsync(new StreamAppend(StreamIds.Charger(call.ChargerId),
                events.Select(e => new PendingEvent(e, call.Metadata(occurredAt))).ToList()), ct);
}
