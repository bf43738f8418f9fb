using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Domain.Drivers;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ledger.Drivers;

namespace Settlement.Ocpp.Handling;

/// <summary>One CALL from a charger as received: the facts derived from it carry its frame and id.</summary>
public sealed record InboundCall(string ChargerId, string MessageId, string Action, string RawFrame, Instant ReceivedAt)
{
    /// <summary>Causation of every event derived from this frame; also names the frame in audits.</summary>
    public string CausationId => $"ocpp:{ChargerId}:{MessageId}";

    /// <summary>The driver's token the frame carries (1.6 idTag, 2.0.1 idToken), sealed; null when it carries none.</summary>
    public DriverSealed? DriverToken { get; private init; }

    private DriverSealed? _sealedFrame;
    private bool _frameWithheld;

    /// <summary>A frame carrying a driver's token is kept sealed under that driver's key, never in plain.</summary>
    public EventMetadata Metadata(Instant occurredAt, string? correlationId = null) =>
        new(correlationId ?? CausationId, CausationId, Actor.Charger(ChargerId), occurredAt)
        {
            SourceMessage = _sealedFrame is null && !_frameWithheld ? RawFrame : null,
            SealedSourceMessage = _sealedFrame,
        };

    /// <summary>This call with its driver's token and its frame sealed under the driver's key (the driver is created on first sight).</summary>
    public async Task<InboundCall> SealingDriverTokenAsync(JsonObject payload, DriverVault drivers, CancellationToken ct)
    {
        if (OcppDriverToken.In(payload) is not { } token) return this;
        var driver = await drivers.DriverForAsync(token, ct);
        return this with { DriverToken = DriverVault.Seal(driver, token), _sealedFrame = DriverVault.Seal(driver, RawFrame) };
    }

    /// <summary>
    /// This refused call with its frame kept as <paramref name="redacted"/> allows: sealed under the key of the
    /// one driver it names, or not kept when it names several or one cut off; in plain only when it names none.
    /// </summary>
    public async Task<InboundCall> SealingRefusedFrameAsync(RedactedFrame redacted, DriverVault drivers, CancellationToken ct)
    {
        if (!redacted.Redacted) return this;
        if (redacted.SoleToken is not { } token) return this with { _frameWithheld = true };
        return this with { _sealedFrame = DriverVault.Seal(await drivers.DriverForAsync(token, ct), RawFrame) };
    }
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
