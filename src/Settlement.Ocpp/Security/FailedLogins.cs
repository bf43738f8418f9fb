using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using NodaTime;

namespace Settlement.Ocpp.Security;

/// <summary>
/// Failed authentications per subject (a REST client's address, an OCPP charger id, an OCPP client's address):
/// after <see cref="FreeAttempts"/> failures a subject waits, twice as long after each further failure, up to
/// <see cref="LongestWait"/>. Counted in a bounded table and on the meter, never as an event per attempt: a client
/// guessing keys must not be able to fill the ledger.
/// </summary>
public sealed class FailedLogins(IClock clock)
{
    public const int FreeAttempts = 5;
    public const int MaxSubjects = 10_000;
    public static readonly Duration LongestWait = Duration.FromMinutes(5);
    private static readonly Duration Forgotten = Duration.FromMinutes(15);

    public const string MeterName = "Settlement.Access";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Failures =
        Meter.CreateCounter<long>("settlement.auth.failures", "{attempt}", "Failed authentications, by realm (api, ocpp).");
    private static readonly Counter<long> Throttled =
        Meter.CreateCounter<long>("settlement.auth.throttled", "{attempt}", "Attempts refused unread because their subject must wait, by realm.");

    private readonly ConcurrentDictionary<string, FailureCount> _subjects = new();

    /// <summary>How long the subject must still wait before its next attempt is even looked at; zero when it may try now.</summary>
    public Duration WaitFor(string realm, string subject)
    {
        if (!_subjects.TryGetValue(Key(realm, subject), out var count)) return Duration.Zero;
        var wait = count.Until - clock.GetCurrentInstant();
        if (wait <= Duration.Zero) return Duration.Zero;
        Throttled.Add(1, new KeyValuePair<string, object?>("realm", realm));
        return wait;
    }

    public void Failed(string realm, string subject)
    {
        Failures.Add(1, new KeyValuePair<string, object?>("realm", realm));
        var now = clock.GetCurrentInstant();
        if (_subjects.Count >= MaxSubjects) Evict(now);
        _subjects.AddOrUpdate(Key(realm, subject),
            _ => Next(new FailureCount(realm, subject, 0, now, now, now), now),
            (_, count) => Next(now - count.Last > Forgotten ? count with { Failures = 0, First = now } : count, now));
    }

    public void Succeeded(string realm, string subject) => _subjects.TryRemove(Key(realm, subject), out _);

    /// <summary>The subjects failing most, for the operator.</summary>
    public IReadOnlyList<FailureCount> Worst(int count) =>
        [.. _subjects.Values.OrderByDescending(c => c.Failures).ThenBy(c => c.Subject, StringComparer.Ordinal).Take(count)];

    private static FailureCount Next(FailureCount count, Instant now)
    {
        var failures = count.Failures + 1;
        var wait = failures < FreeAttempts
            ? Duration.Zero
            : Duration.FromSeconds(Math.Min(Math.Pow(2, failures - FreeAttempts), LongestWait.TotalSeconds));
        return count with { Failures = failures, Last = now, Until = now + wait };
    }

    private void Evict(Instant now)
    {
        foreach (var (key, count) in _subjects)
            if (now - count.Last > Forgotten) _subjects.TryRemove(key, out _);
        // Still full: the subjects quiet longest make room, so the table never outgrows its bound.
        foreach (var (key, _) in _subjects.OrderBy(s => s.Value.Last).Take(Math.Max(0, _subjects.Count - MaxSubjects + 1)).ToList())
            _subjects.TryRemove(key, out _);
    }

    private static string Key(string realm, string subject) => $"{realm}\n{subject}";
}

public sealed record FailureCount(string Realm, string Subject, int Failures, Instant First, Instant Last, Instant Until);
