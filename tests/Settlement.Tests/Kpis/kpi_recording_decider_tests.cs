using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Kpis;
using Settlement.Domain.Sessions;
using Xunit;

namespace Settlement.Tests.Kpis;

public sealed class kpi_recording_decider_tests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 2, 8, 0);
    private static readonly Instant From = Instant.FromUtc(2026, 10, 1, 6, 0);

    // Tagging and cost reports decide on read-model state: the history is that state as last read.
    private static readonly DeciderSpec<TaggableCharger?, TagOutageCause> Tagging =
        new(null, (charger, e) => e as TaggableCharger ?? charger, (charger, command) => KpiRecording.Decide(charger, command, Now));

    private static readonly DeciderSpec<KpiRecording.RatableSession, RateSession> Rating =
        new(KpiRecording.RatableSession.Initial, (session, e) => session.Evolve(e), (session, command) => KpiRecording.Decide(session, command, Now));

    private static readonly DeciderSpec<bool, ReportMaintenanceCost> CostReport =
        new(false, (registered, e) => registered || e is SiteRegisteredForTest, (registered, command) => KpiRecording.Decide(registered, command, Now));

    private sealed record SiteRegisteredForTest;

    private static TagOutageCause Tag(int evseId, Instant until) =>
        new("CP-1", evseId, From, until, OutageCause.UtilityInterruption, "grid work");

    [Fact]
    public void an_outage_cause_on_a_port_of_a_registered_charger_is_tagged() =>
        Tagging.Given(new TaggableCharger(2)).When(Tag(2, From + Duration.FromHours(1)))
            .Then(new OutageCauseTagged("CP-1", 2, From, From + Duration.FromHours(1), OutageCause.UtilityInterruption, "grid work", Now));

    [Fact]
    public void evse_zero_tags_every_port() =>
        Tagging.Given(new TaggableCharger(2)).When(Tag(0, From + Duration.FromHours(1)))
            .Then(new OutageCauseTagged("CP-1", 0, From, From + Duration.FromHours(1), OutageCause.UtilityInterruption, "grid work", Now));

    [Fact]
    public void an_empty_or_reversed_period_is_refused_first() =>
        Tagging.Given().When(Tag(1, From)).ThenRefused(RefusalKind.Unprocessable, "must be after from");

    [Fact]
    public void an_unregistered_charger_cannot_be_tagged() =>
        Tagging.Given().When(Tag(1, From + Duration.FromHours(1))).ThenRefused(RefusalKind.NotFound, "Charger CP-1 is not registered.");

    [Fact]
    public void a_port_the_charger_does_not_have_is_refused() =>
        Tagging.Given(new TaggableCharger(2)).When(Tag(3, From + Duration.FromHours(1)))
            .ThenRefused(RefusalKind.Unprocessable, "has EVSEs 1 to 2 (0 for all of them), not 3");

    private static readonly SessionStartedV2 Started = new("S-1", "CP-1", 1, 1, "TX-1", IdToken: null, MeterStartWh: 0, From);

    [Fact]
    public void a_started_session_is_rated_once() =>
        Rating.Given(Started).When(new RateSession("S-1", 4, "fast")).Then(new SessionRated("S-1", 4, "fast", Now));

    [Fact]
    public void a_second_rating_is_a_conflict() =>
        Rating.Given(Started, new SessionRated("S-1", 4, null, Now)).When(new RateSession("S-1", 5, null))
            .ThenRefused(RefusalKind.Conflict, "Session S-1 is rated already.");

    [Fact]
    public void a_session_that_never_started_cannot_be_rated() =>
        Rating.Given().When(new RateSession("S-1", 3, null)).ThenRefused(RefusalKind.NotFound, "No session 'S-1' has started.");

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    public void stars_are_one_to_five(int stars) =>
        Rating.Given(Started).When(new RateSession("S-1", stars, null)).ThenRefused(RefusalKind.Unprocessable, $"stars must be 1 to 5, not {stars}.");

    private static ReportMaintenanceCost Cost(LocalDate from, LocalDate through) =>
        new("SITE-1", from, through, 1200.50m, 800m, ChargingAsAService: false, "P-7", null);

    [Fact]
    public void a_registered_sites_maintenance_cost_is_reported() =>
        CostReport.Given(new SiteRegisteredForTest()).When(Cost(new LocalDate(2026, 1, 1), new LocalDate(2026, 12, 31)))
            .Then(new MaintenanceCostReported("SITE-1", new LocalDate(2026, 1, 1), new LocalDate(2026, 12, 31), 1200.50m, 800m, false, "P-7", null, Now));

    [Fact]
    public void a_reversed_period_is_refused() =>
        CostReport.Given(new SiteRegisteredForTest()).When(Cost(new LocalDate(2026, 12, 31), new LocalDate(2026, 1, 1)))
            .ThenRefused(RefusalKind.Unprocessable, "through (", ") is before from (");

    [Fact]
    public void an_unregistered_site_reports_no_cost() =>
        CostReport.Given().When(Cost(new LocalDate(2026, 1, 1), new LocalDate(2026, 12, 31)))
            .ThenRefused(RefusalKind.NotFound, "Site SITE-1 is not registered.");
}
