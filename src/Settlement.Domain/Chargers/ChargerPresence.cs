using NodaTime;

namespace Settlement.Domain.Chargers;

/// <summary>
/// What decisions about a charger's presence need: whether the ledger's latest word on it is an outage
/// (<see cref="ChargerWentOffline"/> after any boot or return), and whether it ever booted. Outages are
/// recorded from the last time the charger was heard, so that uptime never counts a time nobody heard from it.
/// </summary>
public sealed record ChargerPresence(bool Offline, bool EverBooted)
{
    /// <summary>An outage is recorded once: a charger the ledger already has offline adds nothing.</summary>
    public static IReadOnlyList<object> GoOffline(ChargerPresence state, ChargerWentOffline offline) => state.Offline ? [] : [offline];

    /// <summary>Only an outage ends with a return: a charger's first connection is none.</summary>
    public static IReadOnlyList<object> ComeBack(ChargerPresence state, ChargerCameBackOnline online) => state.Offline ? [online] : [];

    /// <summary>
    /// A charger connects. When the ledger has a booted charger online though no live connection held it, its
    /// last connection ended without an outage recorded (its host crashed): that outage is recorded from when
    /// the ledger last heard from it, and the return now.
    /// </summary>
    public static IReadOnlyList<object> Connect(ChargerPresence state, string chargerId, bool heldBefore, Instant lastHeardAt, Instant now) =>
        state switch
        {
            { Offline: true } => ComeBack(state, new ChargerCameBackOnline(chargerId, now)),
            { EverBooted: true } when !heldBefore => [new ChargerWentOffline(chargerId, lastHeardAt, now), new ChargerCameBackOnline(chargerId, now)],
            _ => [],
        };
}
