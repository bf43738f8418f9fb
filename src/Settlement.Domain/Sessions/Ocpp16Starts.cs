using NodaTime;

namespace Settlement.Domain.Sessions;

/// <summary>
/// OCPP 1.6 names no transaction until the central system answers its StartTransaction, so a session's
/// stream is named from what the charger says: its connector and start second. Chargers with a stuck or
/// unsynchronised clock, and quick re-plugs, start several sessions in the same second on one connector;
/// each gets its own ordinal ("{charger}-{evse}-{second}", then "...-2", "...-3"), so no two sessions ever
/// share a stream, while the first of them keeps the name every earlier session had.
/// </summary>
public static class Ocpp16Starts
{
    public static string SecondKey(string chargerId, int evseId, Instant startedAt) =>
        $"{chargerId}-{evseId}-{startedAt.ToUnixTimeSeconds()}";

    public static string SessionId(string secondKey, int ordinal) =>
        ordinal == 1 ? secondKey : $"{secondKey}-{ordinal}";

    /// <summary>The ordinal a 1.6 session id carries within its start second; null for any other id (2.0.1's).</summary>
    public static int? Ordinal(string sessionId, string secondKey)
    {
        if (sessionId == secondKey) return 1;
        if (!sessionId.StartsWith(secondKey + "-", StringComparison.Ordinal)) return null;
        return int.TryParse(sessionId.AsSpan(secondKey.Length + 1), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var ordinal) && ordinal > 1 ? ordinal : null;
    }

    /// <summary>
    /// A StartTransaction is a resend of the connector's latest start in that second when that session is
    /// still charging from the same register at the same time: a connector cannot start a second
    /// transaction before it stopped the first, and a stop always reaches us before the next start.
    /// </summary>
    public static bool IsResendOf(Session latest, long meterStartWh, Instant startedAt) =>
        latest.Status == SessionStatus.Charging && latest.MeterStartWh == meterStartWh && latest.StartedAt == startedAt;
}
