using System.Text.Json;
using NodaTime;
using Settlement.Domain.Tariffs;
using Settlement.Ledger;

namespace Settlement.Tests.Tariffs;

public sealed class tariff_catalogue_tests
{
    private static readonly EvseLocation MunichEvse1 = new("DE-MUC", "DE-MUC-01", 1);
    private static readonly EvseLocation MunichEvse2 = new("DE-MUC", "DE-MUC-01", 2);
    private static readonly EvseLocation LyonEvse1 = new("FR-LYS", "FR-LYS-01", 1);

    /// <summary>Midnight UTC of a day in October 2026 (day 0 is the last of September).</summary>
    private static Instant Day(int day) => Instant.FromUtc(2026, 10, 1, 0, 0) + Duration.FromDays(day - 1);

    private static TariffPublished Published(string tariffId, int version, Instant validFrom, Instant? validUntil = null) =>
        new(tariffId, version, "EUR", PricesIncludeVat: true,
            [new TariffElement([new PriceComponent(PriceComponentType.Energy, 0.40m + version / 100m, 19m, 1)], null)],
            validFrom, validUntil, PublishedAt: validFrom - Duration.FromDays(1));

    private static TariffSuperseded Superseded(string tariffId, int version, int by, Instant from) =>
        new(tariffId, version, by, from, from - Duration.FromDays(1));

    private static TariffAssigned Assigned(string tariffId, TariffScope scope, string scopeId, Instant validFrom, Instant? validUntil = null, Instant? assignedAt = null) =>
        new(tariffId, scope, scopeId, validFrom, validUntil, assignedAt ?? validFrom - Duration.FromDays(1));

    /// <summary>A tariff stream's events, each given the ledger sequence 100 + its position.</summary>
    private static TariffHistory History(string tariffId, params object[] events) =>
        events.Select((e, i) => (e, i)).Aggregate(TariffHistory.Empty(tariffId), (h, x) => h.Apply(x.e, 100 + x.i));

    private static (string TariffId, int Version, Instant From, Instant Until)[] Summary(IEnumerable<TariffSpan> spans) =>
        spans.Select(s => (s.Tariff.TariffId, s.Tariff.Version, s.From, s.Until)).ToArray();

    // v1 from the 1st without end; v2 from the 10th to the 20th supersedes it; v3 from the 25th for good.
    private static readonly TariffHistory Superseding = History("T",
        Published("T", 1, Day(1)),
        Published("T", 2, Day(10), Day(20)), Superseded("T", 1, by: 2, Day(10)),
        Published("T", 3, Day(25)));

    // The same versions as recorded without supersession: the highest version containing the instant wins.
    private static readonly TariffHistory Overlapping = History("T",
        Published("T", 1, Day(1)),
        Published("T", 2, Day(10), Day(20)));

    public static TheoryData<string, int, int?> VersionCases => new()
    {
        { nameof(Superseding), 0, null },   // before the first version
        { nameof(Superseding), 1, 1 },
        { nameof(Superseding), 9, 1 },
        { nameof(Superseding), 10, 2 },     // the superseding version takes over at its valid_from
        { nameof(Superseding), 19, 2 },
        { nameof(Superseding), 20, null },  // v2 ended and v1 stays superseded
        { nameof(Superseding), 24, null },
        { nameof(Superseding), 25, 3 },
        { nameof(Superseding), 31, 3 },
        { nameof(Overlapping), 5, 1 },
        { nameof(Overlapping), 15, 2 },
        { nameof(Overlapping), 20, 1 },     // nothing superseded v1, so it is in force again
    };

    [Theory]
    [MemberData(nameof(VersionCases))]
    public void the_version_in_force_is_the_highest_whose_window_contains_the_instant(string history, int day, int? expected)
    {
        var catalogue = TariffCatalogue.Of([history == nameof(Superseding) ? Superseding : Overlapping]);

        Assert.Equal(expected, catalogue.VersionInForce("T", Day(day) + Duration.FromHours(12))?.Tariff.Version);
    }

    [Fact]
    public void the_version_in_force_spans_the_whole_period_it_prices_and_carries_its_ledger_sequence()
    {
        var catalogue = TariffCatalogue.Of([Superseding]);

        Assert.Equal(new TariffSpan(Day(1), Day(10), Superseding.Versions[0].Tariff, 100), catalogue.VersionInForce("T", Day(5)));
        Assert.Equal(new TariffSpan(Day(25), Instant.MaxValue, Superseding.Versions[2].Tariff, 103), catalogue.VersionInForce("T", Day(30)));
        Assert.Null(catalogue.VersionInForce("unknown", Day(5)));
    }

    [Fact]
    public void a_tariff_superseded_mid_period_splits_the_period_at_the_supersession()
    {
        var site = History("T", Published("T", 1, Day(1)), Published("T", 2, Day(12)), Superseded("T", 1, 2, Day(12)),
            Assigned("T", TariffScope.Site, "DE-MUC", Day(1)));

        var spans = TariffCatalogue.Of([site]).InForce(MunichEvse1, null, Day(10), Day(14));

        Assert.Equal([new TariffSpan(Day(10), Day(12), site.Versions[0].Tariff, 100), new TariffSpan(Day(12), Day(14), site.Versions[1].Tariff, 101)], spans);
    }

    private static readonly TariffCatalogue ThreeScopes = TariffCatalogue.Of([
        History("SITE", Published("SITE", 1, Day(1)), Assigned("SITE", TariffScope.Site, "DE-MUC", Day(1))),
        History("EVSE", Published("EVSE", 1, Day(1)), Assigned("EVSE", TariffScope.Evse, "DE-MUC-01/1", Day(1))),
        History("FLEET", Published("FLEET", 1, Day(1)), Assigned("FLEET", TariffScope.CustomerGroup, "fleet", Day(1))),
    ]);

    public static TheoryData<string, string?, string?> PrecedenceCases => new()
    {
        { "DE-MUC-01/1", "fleet", "FLEET" },   // a customer group beats the EVSE
        { "DE-MUC-01/1", null, "EVSE" },       // the EVSE beats its site
        { "DE-MUC-01/1", "taxis", "EVSE" },    // a group without a tariff changes nothing
        { "DE-MUC-01/2", null, "SITE" },       // another EVSE of the site gets the site's
        { "DE-MUC-01/2", "fleet", "FLEET" },
        { "FR-LYS-01/1", null, null },         // nothing assigned to that site
        { "FR-LYS-01/1", "fleet", "FLEET" },   // a customer group's tariff follows the driver anywhere
    };

    [Theory]
    [MemberData(nameof(PrecedenceCases))]
    public void a_customer_group_beats_an_evse_which_beats_its_site(string evse, string? customerGroup, string? expected)
    {
        var location = new[] { MunichEvse1, MunichEvse2, LyonEvse1 }.Single(e => e.EvseKey == evse);

        var spans = ThreeScopes.InForce(location, customerGroup, Day(5), Day(6));

        Assert.Equal(expected is null ? [] : [(expected, 1, Day(5), Day(6))], Summary(spans));
    }

    public static TheoryData<string, TariffAssigned[], (string, int, Instant, Instant)[]> AssignmentWindowCases => new()
    {
        {
            "an EVSE assignment for ten days interrupts the site's",
            [Assigned("SITE", TariffScope.Site, "DE-MUC", Day(1)), Assigned("EVSE", TariffScope.Evse, "DE-MUC-01/1", Day(10), Day(20))],
            [("SITE", 1, Day(5), Day(10)), ("EVSE", 1, Day(10), Day(20)), ("SITE", 1, Day(20), Day(25))]
        },
        {
            "the latest assigned wins within a scope, from its valid_from",
            [Assigned("SITE", TariffScope.Site, "DE-MUC", Day(1), assignedAt: Day(1)), Assigned("EVSE", TariffScope.Site, "DE-MUC", Day(15), assignedAt: Day(2))],
            [("SITE", 1, Day(5), Day(15)), ("EVSE", 1, Day(15), Day(25))]
        },
        {
            "reassigning the first tariff later wins again from its own valid_from",
            [Assigned("SITE", TariffScope.Site, "DE-MUC", Day(1), assignedAt: Day(1)), Assigned("EVSE", TariffScope.Site, "DE-MUC", Day(15), assignedAt: Day(2)),
             Assigned("SITE", TariffScope.Site, "DE-MUC", Day(20), assignedAt: Day(3))],
            [("SITE", 1, Day(5), Day(15)), ("EVSE", 1, Day(15), Day(20)), ("SITE", 1, Day(20), Day(25))]
        },
        {
            "a lapsed assignment leaves a gap",
            [Assigned("SITE", TariffScope.Site, "DE-MUC", Day(1), Day(8)), Assigned("SITE", TariffScope.Site, "DE-MUC", Day(12))],
            [("SITE", 1, Day(5), Day(8)), ("SITE", 1, Day(12), Day(25))]
        },
        {
            "the same version through two scopes is one span",
            [Assigned("SITE", TariffScope.Site, "DE-MUC", Day(1)), Assigned("SITE", TariffScope.Evse, "DE-MUC-01/1", Day(10))],
            [("SITE", 1, Day(5), Day(25))]
        },
        {
            "a winning assignment whose tariff has ended leaves a gap, not the site's tariff",
            [Assigned("SITE", TariffScope.Site, "DE-MUC", Day(1)), Assigned("ENDED", TariffScope.Evse, "DE-MUC-01/1", Day(1), Day(12))],
            [("ENDED", 1, Day(5), Day(7)), ("SITE", 1, Day(12), Day(25))]
        },
        {
            "assignments to other EVSEs and sites change nothing",
            [Assigned("SITE", TariffScope.Site, "DE-MUC", Day(1)), Assigned("EVSE", TariffScope.Evse, "DE-MUC-01/2", Day(1)),
             Assigned("EVSE", TariffScope.Site, "FR-LYS", Day(1))],
            [("SITE", 1, Day(5), Day(25))]
        },
    };

    [Theory]
    [MemberData(nameof(AssignmentWindowCases))]
    public void resolution_splits_where_the_winning_assignment_changes(string because, TariffAssigned[] assignments, (string, int, Instant, Instant)[] expected)
    {
        // ENDED's only version prices until the 7th.
        TariffPublished[] versions = [Published("SITE", 1, Day(1)), Published("EVSE", 1, Day(1)), Published("ENDED", 1, Day(1), Day(7))];
        var histories = versions.Select(v => History(v.TariffId, [v, .. assignments.Where(a => a.TariffId == v.TariffId)]));

        var spans = TariffCatalogue.Of(histories).InForce(MunichEvse1, null, Day(5), Day(25));

        Assert.True(expected.SequenceEqual(Summary(spans)), $"{because}: got {string.Join(", ", Summary(spans))}");
    }

    [Fact]
    public void an_empty_or_reversed_range_has_no_spans()
    {
        Assert.Empty(ThreeScopes.InForce(MunichEvse1, null, Day(5), Day(5)));
        Assert.Empty(ThreeScopes.InForce(MunichEvse1, null, Day(6), Day(5)));
    }

    [Fact]
    public void a_tariff_history_survives_a_round_trip_through_the_stored_json()
    {
        var history = Superseding.Apply(Assigned("T", TariffScope.Evse, "DE-MUC-01/1", Day(2), Day(3)), 104);

        var json = JsonSerializer.Serialize(history, LedgerJson.Options);
        var read = JsonSerializer.Deserialize<TariffHistory>(json, LedgerJson.Options)!;

        Assert.Equal(json, JsonSerializer.Serialize(read, LedgerJson.Options));
        Assert.Equal(Summary(history.Timeline()), Summary(read.Timeline()));
        Assert.Equal(history.Versions.Select(v => v.StreamVersion), read.Versions.Select(v => v.StreamVersion));
    }
}
