using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Tariffs;

namespace Settlement.Tests.Tariffs;

public sealed class tariff_decision_tests
{
    private const string Id = "DE-MUC-STANDARD";
    private static readonly Instant Now = Instant.FromUtc(2026, 10, 12, 12, 0);

    private static Instant Day(int day) => Instant.FromUtc(2026, 10, day, 0, 0);

    private static readonly IReadOnlyList<TariffElement> Elements =
        [new TariffElement([new PriceComponent(PriceComponentType.Energy, 0.59m, 19m, 1)], null)];

    private static PublishTariff Publish(Instant validFrom, Instant? validUntil = null, IReadOnlyList<TariffElement>? elements = null) =>
        new(Id, "EUR", PricesIncludeVat: true, elements ?? Elements, validFrom, validUntil);

    private static TariffPublished Published(int version, Instant validFrom, Instant? validUntil = null, Instant? publishedAt = null) =>
        new(Id, version, "EUR", PricesIncludeVat: true, Elements, validFrom, validUntil, publishedAt ?? Now);

    private static TariffSuperseded Superseded(int version, int by, Instant from) => new(Id, version, by, from, Now);

    private static TariffAssigned Assigned(TariffScope scope, string scopeId, Instant validFrom, Instant? validUntil = null) =>
        new(Id, scope, scopeId, validFrom, validUntil, Now);

    /// <summary>Stream versions number the events in order, as the tariff's stream does.</summary>
    private static TariffHistory Evolve(TariffHistory history, object e) =>
        history.Apply(e, history.Versions.Count + history.Supersessions.Count + history.Assignments.Count + 1);

    private static readonly DeciderSpec<TariffHistory, PublishTariff> Publishing =
        new(TariffHistory.Empty(Id), Evolve, (history, command) => TariffDecisions.Publish(history, command, Now));

    private static readonly DeciderSpec<TariffHistory, AssignTariff> Assigning =
        new(TariffHistory.Empty(Id), Evolve, (history, command) => TariffDecisions.Assign(history, command, Now, placeRegistered: true));

    private static readonly DeciderSpec<TariffHistory, AssignTariff> AssigningToAnUnregisteredPlace =
        new(TariffHistory.Empty(Id), Evolve, (history, command) => TariffDecisions.Assign(history, command, Now, placeRegistered: false));

    /// <summary>Refused as <paramref name="kind"/> with exactly these problems, in this order.</summary>
    private static void RefusedWithExactly<TCommand>(DeciderSpec<TariffHistory, TCommand>.Outcome outcome, RefusalKind kind, string[] problems)
    {
        outcome.ThenRefused(kind, problems);
        Assert.Equal(problems, outcome.Decision.Refusal!.Problems);
    }

    [Fact]
    public void the_first_publication_is_version_1_published_now() =>
        Publishing.Given().When(Publish(Day(13))).Then(Published(1, Day(13)));

    [Fact]
    public void a_new_version_supersedes_the_one_still_in_force_from_its_valid_from() =>
        Publishing.Given(Published(1, Day(1), publishedAt: Day(1))).When(Publish(Day(20)))
            .Then(Published(2, Day(20)), Superseded(1, by: 2, Day(20)));

    [Fact]
    public void a_version_ending_before_the_new_one_starts_is_not_superseded() =>
        Publishing.Given(Published(1, Day(1), Day(15))).When(Publish(Day(20))).Then(Published(2, Day(20)));

    [Fact]
    public void a_version_ending_after_the_new_one_starts_is_superseded() =>
        Publishing.Given(Published(1, Day(1), Day(25))).When(Publish(Day(20)))
            .Then(Published(2, Day(20)), Superseded(1, by: 2, Day(20)));

    [Fact]
    public void only_versions_not_yet_superseded_are_superseded_again() =>
        Publishing.Given(Published(1, Day(1)), Published(2, Day(13)), Superseded(1, 2, Day(13))).When(Publish(Day(20)))
            .Then(Published(3, Day(20)), Superseded(2, by: 3, Day(20)));

    [Fact]
    public void a_future_version_replaced_before_it_starts_is_superseded_at_once() =>
        Publishing.Given(Published(1, Day(20))).When(Publish(Day(20)))
            .Then(Published(2, Day(20)), Superseded(1, by: 2, Day(20)));

    public static TheoryData<object[], PublishTariff, string[]> RefusedPublications => new()
    {
        { [], Publish(Now - Duration.FromSeconds(1)),
            ["valid_from 2026-10-12T11:59:59Z is before now (2026-10-12T12:00:00Z): prices never change retroactively"] },
        { [Published(1, Day(1)), Published(2, Day(20))], Publish(Day(15)),
            ["valid_from 2026-10-15T00:00:00Z is before valid_from 2026-10-20T00:00:00Z of version 2"] },
        { [], Publish(Day(20), Day(20)), ["valid_until 2026-10-20T00:00:00Z is not after valid_from 2026-10-20T00:00:00Z"] },
        { [], Publish(Day(20), Day(19)), ["valid_until 2026-10-19T00:00:00Z is not after valid_from 2026-10-20T00:00:00Z"] },
        { [], Publish(Day(20), elements: []), ["a tariff needs at least one element"] },
        { [], Publish(Day(1), Day(1), elements: [new TariffElement([], null)]),
            ["valid_from 2026-10-01T00:00:00Z is before now (2026-10-12T12:00:00Z): prices never change retroactively",
             "valid_until 2026-10-01T00:00:00Z is not after valid_from 2026-10-01T00:00:00Z",
             "element 1: no price components"] },
    };

    [Theory]
    [MemberData(nameof(RefusedPublications))]
    public void publishing_is_refused_with_every_reason(object[] history, PublishTariff command, string[] problems) =>
        RefusedWithExactly(Publishing.Given(history).When(command), RefusalKind.Invalid, problems);

    [Fact]
    public void a_tariff_published_now_is_in_force_at_once() =>
        Publishing.Given().When(Publish(Now)).Then(Published(1, Now));

    [Fact]
    public void an_assignment_is_recorded_as_assigned_now() =>
        Assigning.Given(Published(1, Day(1))).When(new AssignTariff(Id, TariffScope.Evse, "DE-MUC-01/2", Day(13), Day(20)))
            .Then(Assigned(TariffScope.Evse, "DE-MUC-01/2", Day(13), Day(20)));

    public static TheoryData<object[], AssignTariff, string[]> RefusedAssignments => new()
    {
        { [Published(1, Day(1))], new AssignTariff(Id, TariffScope.Site, "DE-MUC", Day(1), null),
            ["valid_from 2026-10-01T00:00:00Z is before now (2026-10-12T12:00:00Z): prices never change retroactively"] },
        { [Published(1, Day(1))], new AssignTariff(Id, TariffScope.Site, "DE-MUC", Day(20), Day(13)),
            ["valid_until 2026-10-13T00:00:00Z is not after valid_from 2026-10-20T00:00:00Z"] },
        { [Published(1, Day(1))], new AssignTariff(Id, TariffScope.CustomerGroup, " ", Day(13), null), ["scope_id is empty"] },
        { [Published(1, Day(1))], new AssignTariff(Id, TariffScope.Evse, "DE-MUC-01", Day(13), null),
            ["scope_id 'DE-MUC-01' of an EVSE assignment is not '{charger id}/{evse id}'"] },
        { [Published(1, Day(1))], new AssignTariff(Id, TariffScope.Evse, "DE-MUC-01/02", Day(13), null),
            ["scope_id 'DE-MUC-01/02' of an EVSE assignment is not '{charger id}/{evse id}'"] },
    };

    [Theory]
    [MemberData(nameof(RefusedAssignments))]
    public void assigning_is_refused(object[] history, AssignTariff command, string[] problems) =>
        RefusedWithExactly(Assigning.Given(history).When(command), RefusalKind.Invalid, problems);

    [Fact]
    public void assigning_a_tariff_never_published_is_not_found() =>
        RefusedWithExactly(Assigning.Given().When(new AssignTariff(Id, TariffScope.Site, "DE-MUC", Day(13), null)),
            RefusalKind.NotFound, ["tariff 'DE-MUC-STANDARD' has never been published"]);

    [Theory]
    [InlineData(TariffScope.Site, "NO-SUCH-SITE", "site 'NO-SUCH-SITE' is not registered")]
    [InlineData(TariffScope.Evse, "DE-MUC-01/7", "EVSE 'DE-MUC-01/7' is not registered")]
    public void assigning_to_a_place_nobody_registered_is_refused(TariffScope scope, string scopeId, string problem) =>
        RefusedWithExactly(AssigningToAnUnregisteredPlace.Given(Published(1, Day(1))).When(new AssignTariff(Id, scope, scopeId, Day(13), null)),
            RefusalKind.Invalid, [problem]);

    [Fact]
    public void a_command_decided_on_another_tariffs_history_is_a_bug() =>
        Assert.Throws<ArgumentException>(() => TariffDecisions.Publish(TariffHistory.Empty("OTHER"), Publish(Day(13)), Now));

    [Fact]
    public void decisions_folded_into_the_catalogue_switch_versions_mid_session()
    {
        var evening = Day(12) + Duration.FromHours(18);
        var history = TariffHistory.Empty(Id);
        history = Recorded(history, TariffDecisions.Publish(history, Publish(Day(2)), Day(1)));
        history = Recorded(history, TariffDecisions.Assign(history, new AssignTariff(Id, TariffScope.Site, "DE-MUC", Day(2), null), Day(1), placeRegistered: true));
        history = Recorded(history, TariffDecisions.Publish(history, Publish(evening), Day(11)));

        var session = TariffCatalogue.Of([history]).InForce(new EvseLocation("DE-MUC", "DE-MUC-01", 1), null, evening - Duration.FromHours(1), evening + Duration.FromHours(2));

        Assert.Equal([(1, 1L, evening - Duration.FromHours(1), evening), (2, 3L, evening, evening + Duration.FromHours(2))],
            session.Select(s => (s.Tariff.Version, s.StreamVersion, s.From, s.Until)));
    }

    /// <summary>Appends an accepted decision's events, numbering them on from the events already recorded.</summary>
    private static TariffHistory Recorded(TariffHistory history, Decision decision)
    {
        Assert.False(decision.Refused, decision.Refusal?.Message);
        return decision.Events.Aggregate(history, Evolve);
    }
}
