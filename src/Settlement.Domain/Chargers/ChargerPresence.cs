using NodaTime;

namespace Settlement.Domain.Chargers;

/// <summary>
/// What decisions about a charger's presence need: whether the ledger has it online, and whether it ever
/// booted (a charger's first connection is not a return). Outages are recorded from the last time the
/// charger was heard, so that uptime never counts a time nobody heard from it.
/// </summary>
public sealed record ChargerPresence(bool Online, bool EverBooted)
{
    /// <summary>An outage is recorded once: a charger the ledger already has offline adds nothing.</summary>
    public static IReadOnlyList<object> GoOffline(ChargerPresence state, ChargerWentOffline offline) => state.Online ? [offline] : [];

    public static IReadOnlyList<object> ComeBack(ChargerPresence state, ChargerCameBackOnline online) =>
        !state.Online && state.EverBooted ? [online] : [];

    /// <summary>
    /// A charger connects. When the ledger still has it online though no live connection held it, its last
    /// connection ended without an outage recorded (its host crashed): that outage is recorded from when the
    /// ledger last heard from it, and the return now.
    /// </summary>
    public static IReadOnlyList<object> Connect(ChargerPresence state, string chargerId, bool heldBefore, Instant lastHeardAt, Instant now) =>
        state switch
        {
            { Online: true } when heldBefore => [],
            { Online: true } => [new ChargerWentOffline(chargerId, lastHeardAt, now), new ChargerCameBackOnline(chargerId, now)],
            _ => ComeBack(state, new ChargerCameBackOnline(chargerId, now)),
        };
}
