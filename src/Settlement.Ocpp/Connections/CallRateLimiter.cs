using System.Diagnostics;

namespace Settlement.Ocpp.Connections;

/// <summary>
/// One charger's CALL budget: a token bucket of <see cref="OcppOptions.CallBurst"/> CALLs refilled at
/// <see cref="OcppOptions.MaxCallsPerSecond"/>. A CALL beyond it is not refused but waits, unread: OCPP-J lets a charger
/// have one CALL outstanding, so it simply slows down, and a charger that pipelines anyway fills its own socket
/// buffers, not the host's memory or the ledger.
/// </summary>
public sealed class CallRateLimiter(OcppOptions options)
{
    private readonly double _perSecond = options.MaxCallsPerSecond;
    private double _tokens = options.CallBurst;
    private long _refilledAt = Stopwatch.GetTimestamp();

    /// <summary>Returns once the next CALL may be handled (at once while the charger is within its budget).</summary>
    public Task WaitTurnAsync(CancellationToken ct)
    {
        if (_perSecond <= 0) return Task.CompletedTask;
        var now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(Math.Max(options.CallBurst, 1), _tokens + Stopwatch.GetElapsedTime(_refilledAt, now).TotalSeconds * _perSecond);
        _refilledAt = now;
        _tokens--;
        return _tokens >= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromSeconds(-_tokens / _perSecond), ct);
    }
}
