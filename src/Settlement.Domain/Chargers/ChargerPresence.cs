using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Chargers;

/// <summary>
/// A charger connected. <paramref name="HeldBefore"/>: a live connection held it until now, so no outage went
/// unrecorded; <paramref name="LastHeardAt"/>: when the ledger last heard from it.
/// </summary>
public sealed record ChargerConnects(string ChargerId, bool HeldBefore, Instant LastHeardAt, Instant Now);

/// <summary>
/// What decisions about a charger's presence need: whether the ledger's latest word on it is an outage
/// (<see cref="ChargerWentOffline"/> after any boot or return), and whether it ever booted. Outages are
/// recorded from the last time the charger was heard, so that uptime never counts a time nobody heard from it.
/// </summary>
public sealed record ChargerPresence(bool Offline, bool EverBooted)
{
    public static readonly ChargerPresence NeverSeen = new(Offline: false, EverBooted: false);

    public static ChargerPresence Evolve(ChargerPresence state, object @event) => @event switch
    {
        ChargerBooted => new(Offline: false, EverBooted: true),
        ChargerWentOffline => state with { Offline = true },
        ChargerCameBackOnline => state with { Offline = false },
        _ => state,
    };

    /// <summary>An outage is recorded once: a charger the ledger already has offline adds nothing.</summary>
    public static Decision GoOffline(ChargerPresence state, ChargerWentOffline offline) => state.Offline ? Decision.Accept() : Decision.Accept(offline);

    /// <summary>Only an outage ends with a return: a charger's first connection is none.</summary>
    public static Decision ComeBack(ChargerPresence state, ChargerCameBackOnline online) => state.Offline ? Decision.Accept(online) : Decision.Accept();

    /// <summary>
    /// When the ledger has a booted charger online though no live connection held it, its last connection ended
    /// without an outage recorded (its host crashed): that outage is recorded from when the ledger last heard from
    /// it, and the return now.
    /// </summary>
    public static Decision Connect(ChargerPresence state, ChargerConnects connects) =>
        state switch
        {
            { Offline: true } => ComeBack(state, new ChargerCameBackOnline(connects.ChargerId, connects.Now)),
            { EverBooted: true } when !connects.HeldBefore => Decision.Accept(
                new ChargerWentOffline(connects.ChargerId, connects.LastHeardAt, connects.Now), new ChargerCameBackOnline(connects.ChargerId, connects.Now)),
            _ => Decision.Accept(),
        };
}
