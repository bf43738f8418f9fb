using System.Collections;
using NodaTime;

namespace Settlement.Domain.Sessions;

/// <summary>
/// The times a session's readings were taken: an immutable set in time order. A connection keeps one
/// per running session for as long as the session runs, so it costs an array slot per reading rather
/// than a tree node. Readings nearly always come in time order: adding a time after the last one
/// writes into spare room of the array this set shares with the set it came from, when no other set
/// has already taken that slot; a late time, or a second branch from the same set, copies.
/// </summary>
public sealed class ReadingTimes : IReadOnlyList<Instant>
{
    private sealed class Storage(Instant[] items, int used)
    {
        public readonly Instant[] Items = items;
        // Slots below this belong to some set and never change again.
        public int Used = used;
    }

    private const int InitialCapacity = 8;
    private readonly Storage _storage;

    private ReadingTimes(Storage storage, int count) => (_storage, Count) = (storage, count);

    public static ReadingTimes Empty { get; } = new(new Storage([], 0), 0);

    public int Count { get; }

    public Instant this[int index] =>
        (uint)index < (uint)Count ? _storage.Items[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public bool Contains(Instant takenAt) => IndexOf(takenAt) >= 0;

    /// <summary>This set with <paramref name="takenAt"/> in its place; this same set when it already holds it.</summary>
    public ReadingTimes Add(Instant takenAt)
    {
        var index = IndexOf(takenAt);
        if (index >= 0) return this;
        var at = ~index;
        if (at == Count && Count < _storage.Items.Length
            && Interlocked.CompareExchange(ref _storage.Used, Count + 1, Count) == Count)
        {
            _storage.Items[Count] = takenAt;
            return new ReadingTimes(_storage, Count + 1);
        }
        var items = new Instant[Math.Max(InitialCapacity, Count * 2)];
        Array.Copy(_storage.Items, items, at);
        items[at] = takenAt;
        Array.Copy(_storage.Items, at, items, at + 1, Count - at);
        return new ReadingTimes(new Storage(items, Count + 1), Count + 1);
    }

    private int IndexOf(Instant takenAt) => Array.BinarySearch(_storage.Items, 0, Count, takenAt);

    public IEnumerator<Instant> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return _storage.Items[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
