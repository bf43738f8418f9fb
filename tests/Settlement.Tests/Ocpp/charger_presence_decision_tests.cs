using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Tests.Ocpp;

public sealed class charger_presence_decision_tests
{
    private const string Id = "DE-MUC-01";
    private static readonly Instant LastHeard = Instant.FromUtc(2026, 10, 12, 12, 0);
    private static readonly Instant Now = LastHeard.Plus(Duration.FromMinutes(7));
    private static readonly ChargerPresence Online = new(Offline: false, EverBooted: true);
    private static readonly ChargerPresence Offline = new(Offline: true, EverBooted: true);
    private static readonly ChargerPresence NeverSeen = new(Offline: false, EverBooted: false);

    [Fact]
    public void an_outage_already_recorded_is_not_recorded_again() =>
        Assert.Empty(ChargerPresence.GoOffline(Offline, new ChargerWentOffline(Id, LastHeard, Now)));

    [Fact]
    public void a_charger_connecting_after_a_recorded_outage_comes_back() =>
        Assert.Equal([new ChargerCameBackOnline(Id, Now)], ChargerPresence.Connect(Offline, Id, heldBefore: false, LastHeard, Now));

    [Fact]
    public void a_charger_still_online_whose_last_connection_nobody_held_any_more_gets_the_missed_outage_and_its_return() =>
        Assert.Equal([new ChargerWentOffline(Id, LastHeard, Now), new ChargerCameBackOnline(Id, Now)],
            ChargerPresence.Connect(Online, Id, heldBefore: false, LastHeard, Now));

    [Fact]
    public void a_charger_taking_over_from_a_live_connection_had_no_outage() =>
        Assert.Empty(ChargerPresence.Connect(Online, Id, heldBefore: true, LastHeard, Now));

    [Fact]
    public void a_first_connection_is_no_return() =>
        Assert.Empty(ChargerPresence.Connect(NeverSeen, Id, heldBefore: false, LastHeard, Now));
}
