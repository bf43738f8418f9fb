using NodaTime;
using Settlement.Domain.Chargers;

namespace Settlement.Tests.Chargers;

public sealed class charger_presence_decision_tests
{
    private const string Id = "DE-MUC-01";
    private static readonly Instant LastHeard = Instant.FromUtc(2026, 10, 12, 12, 0);
    private static readonly Instant Now = LastHeard.Plus(Duration.FromMinutes(7));
    private static readonly ChargerBooted Booted = new(Id, "Alpitronic", "HYC300", null, null, BootReason.PowerUp, LastHeard.Minus(Duration.FromHours(1)));
    private static readonly ChargerWentOffline Outage = new(Id, LastHeard, Now);
    private static readonly ChargerCameBackOnline Return = new(Id, Now);

    private static readonly DeciderSpec<ChargerPresence, ChargerWentOffline> GoingOffline = new(ChargerPresence.NeverSeen, ChargerPresence.Evolve, ChargerPresence.GoOffline);
    private static readonly DeciderSpec<ChargerPresence, ChargerCameBackOnline> ComingBack = new(ChargerPresence.NeverSeen, ChargerPresence.Evolve, ChargerPresence.ComeBack);
    private static readonly DeciderSpec<ChargerPresence, ChargerConnects> Connecting = new(ChargerPresence.NeverSeen, ChargerPresence.Evolve, ChargerPresence.Connect);

    private static ChargerConnects Connects(bool heldBefore) => new(Id, heldBefore, LastHeard, Now);

    [Fact]
    public void an_outage_is_recorded() =>
        GoingOffline.Given(Booted).When(Outage).Then(Outage);

    [Fact]
    public void an_outage_already_recorded_is_not_recorded_again() =>
        GoingOffline.Given(Booted, Outage).When(Outage).Then();

    [Fact]
    public void a_return_ends_a_recorded_outage() =>
        ComingBack.Given(Booted, Outage).When(Return).Then(Return);

    [Fact]
    public void a_return_without_an_outage_is_none() =>
        ComingBack.Given(Booted, Outage, Return).When(Return).Then();

    [Fact]
    public void a_charger_connecting_after_a_recorded_outage_comes_back() =>
        Connecting.Given(Booted, Outage).When(Connects(heldBefore: false)).Then(Return);

    [Fact]
    public void a_charger_still_online_whose_last_connection_nobody_held_any_more_gets_the_missed_outage_and_its_return() =>
        Connecting.Given(Booted).When(Connects(heldBefore: false)).Then(Outage, Return);

    [Fact]
    public void a_charger_taking_over_from_a_live_connection_had_no_outage() =>
        Connecting.Given(Booted).When(Connects(heldBefore: true)).Then();

    [Fact]
    public void a_first_connection_is_no_return() =>
        Connecting.Given().When(Connects(heldBefore: false)).Then();

    [Fact]
    public void a_boot_after_an_outage_leaves_the_charger_online() =>
        Connecting.Given(Booted, Outage, Booted).When(Connects(heldBefore: true)).Then();
}
