using System.Collections;
using System.Globalization;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;

namespace Settlement.Workbench.Demo;

/// <summary>
/// Collects events in whatever order the generator produces them and hands them back in time order.
/// Ties keep the order of recording, which the generator keeps causal within every stream.
/// </summary>
internal sealed class DemoHistory(Random random, Settlement.Ledger.Drivers.DriverKeyring drivers)
{
    private readonly List<Recorded> _events = [];
    private int _csmsTransactionId = 10_000 + random.Next(90_000);

    public Random Random { get; } = random;

    public Settlement.Ledger.Drivers.DriverKeyring Drivers { get; } = drivers;

    public string NewCorrelationId() => Random.Guid().ToString("N");

    /// <summary>OCPP 1.6 has the central system number transactions; 2.0.1 chargers pick their own ids.</summary>
    public string NewTransactionId(ChargerSpec charger) =>
        charger.Protocol == OcppVersion.Ocpp16
            ? (_csmsTransactionId++).ToString(CultureInfo.InvariantCulture)
            : Random.Guid().ToString("D");

    public void Record(string streamId, object data, Actor actor, string correlationId, Instant occurredAt) =>
        _events.Add(new Recorded(streamId, data, actor, correlationId, occurredAt, Message: null));

    /// <summary>An event a charger reported; events recorded with one message share its OCPP message id.</summary>
    public void Reported(OcppMessage message, string streamId, object data, string correlationId, Instant occurredAt) =>
        _events.Add(new Recorded(streamId, data, Actor.Charger(message.ChargerId), correlationId, occurredAt, message));

    public OcppMessage Reported(string chargerId, string streamId, object data, string correlationId, Instant occurredAt)
    {
        var message = new OcppMessage(chargerId);
        Reported(message, streamId, data, correlationId, occurredAt);
        return message;
    }

    public IReadOnlyList<DemoEvent> InTimeOrder()
    {
        // Message ids are numbered in time order, as a central system would receive them.
        var messageIds = new Dictionary<OcppMessage, string>();
        return _events
            .Select((e, index) => (Event: e, Index: index))
            .OrderBy(x => x.Event.OccurredAt).ThenBy(x => x.Index)
            .Select(x =>
            {
                var e = x.Event;
                string? causation = null;
                if (e.Message is not null && !messageIds.TryGetValue(e.Message, out causation))
                    messageIds[e.Message] = causation = $"ocpp:{messageIds.Count + 1}";
                return new DemoEvent(e.StreamId, e.Data, new EventMetadata(e.CorrelationId, causation, e.Actor, e.OccurredAt));
            })
            .ToList();
    }

    private sealed record Recorded(string StreamId, object Data, Actor Actor, string CorrelationId, Instant OccurredAt, OcppMessage? Message);
}

/// <summary>One OCPP message from a charger; compared by identity, as each message is its own.</summary>
internal sealed class OcppMessage(string chargerId)
{
    public string ChargerId { get; } = chargerId;
}

/// <summary>
/// Lists inside generated events compare by their items, so two generations from one seed are equal
/// event for event (records alone would compare lists by reference).
/// </summary>
internal sealed class ValueList<T>(IEnumerable<T> items) : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items = items.ToArray();

    public T this[int index] => _items[index];
    public int Count => _items.Length;
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(ValueList<T>? other) => other is not null && _items.SequenceEqual(other._items);
    public override bool Equals(object? obj) => Equals(obj as ValueList<T>);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items) hash.Add(item);
        return hash.ToHashCode();
    }
}

internal static class ValueList
{
    public static ValueList<T> Of<T>(params IEnumerable<T> items) => new(items);
}
