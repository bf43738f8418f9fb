using NodaTime;
using Settlement.Domain.Kpis;
using Settlement.Domain.Sessions;
using static Settlement.Tests.Kpis.KpiGiven;

namespace Settlement.Tests.Kpis;

public sealed class charge_success_tests
{
    private static readonly Instant March = At(3, 1);
    private static readonly Instant April = At(4, 1);

    private static ChargeSuccessReport ComputedFor(params SessionFacts[] sessions) =>
        ChargeSuccess.For([new ChargerHistory(Charger, [], sessions)], March, April);

    [Fact]
    public void a_session_that_transferred_energy_succeeded()
    {
        var report = ComputedFor(Charged("S1", 1, At(3, 5, 10), At(3, 5, 11), wh: 32_000));

        Assert.Equal(new SuccessTally(1, 0, 0), report.Total);
        Assert.Equal(100m, report.Total.RatePercent);
    }

    [Fact]
    public void a_session_stopped_by_a_fault_with_0_wh_failed()
    {
        var faultStop = Charged("S1", 1, At(3, 5, 10), At(3, 5, 10, 2), wh: 0) with { StopReason = StopReason.EmergencyStop };

        var report = ComputedFor(faultStop, Charged("S2", 2, At(3, 6, 10), At(3, 6, 11), wh: 10_000));

        Assert.Equal(new SuccessTally(1, 1, 0), report.Total);
        Assert.Equal(50m, report.Total.RatePercent);
        Assert.Equal(0m, report.ByPort[new Port("CP-1", 1)].RatePercent);
    }

    [Fact]
    public void authorised_and_never_started_fails_after_the_grace_and_is_undecided_within_it()
    {
        var report = ComputedFor(
            Authorised("S1", 1, At(3, 5, 10)),
            Authorised("S2", 1, At(3, 31, 23, 55))); // 5 minutes before the period end

        Assert.Equal(new SuccessTally(0, 1, 1), report.Total);
        Assert.Equal(0m, report.Total.RatePercent);
    }

    [Fact]
    public void a_rejected_authorisation_is_no_attempt()
    {
        var report = ComputedFor(Authorised("S1", 1, At(3, 5, 10), AuthorisationOutcome.Invalid));

        Assert.Equal(0, report.Total.Attempts);
        Assert.Null(report.Total.RatePercent);
        Assert.Empty(report.ByCharger);
    }

    [Fact]
    public void an_attempt_belongs_to_the_period_it_was_authorised_in()
    {
        var authorisedInFebruary = Charged("S1", 1, At(3, 1, 0, 3), At(3, 1, 1), wh: 5_000, authorised: At(2, 28, 23, 59));

        Assert.Equal(0, ComputedFor(authorisedInFebruary).Total.Attempts);
    }

    [Fact]
    public void attempts_are_grouped_by_the_firmware_running_when_they_started()
    {
        ChargerFact[] facts = [KpiGiven.Firmware(At(1, 10), "2.1.0"), KpiGiven.Firmware(At(3, 15, 3), "2.2.0")];
        SessionFacts[] sessions =
        [
            Charged("S1", 1, At(3, 10, 10), At(3, 10, 11), wh: 20_000),
            Charged("S2", 2, At(3, 12, 10), At(3, 12, 10, 1), wh: 0),
            Charged("S3", 1, At(3, 16, 10), At(3, 16, 11), wh: 20_000),
            Charged("S4", 2, At(3, 17, 10), At(3, 17, 11), wh: 20_000),
        ];
        var other = new ChargerHistory(
            new ChargerProfile("CP-2", "SITE-2", "Kempower", "S-Series", 1, LongAgo), [],
            [Charged("S5", 1, At(3, 20, 10), At(3, 20, 11), wh: 0) with { ChargerId = "CP-2" }]);

        var report = ChargeSuccess.For([new ChargerHistory(Charger, facts, sessions), other], March, April);

        Assert.Equal(50m, report.ByFirmware[new FirmwareKey("Alpitronic", "HYC300", "2.1.0")].RatePercent);
        Assert.Equal(100m, report.ByFirmware[new FirmwareKey("Alpitronic", "HYC300", "2.2.0")].RatePercent);
        Assert.Equal(new SuccessTally(0, 1, 0), report.ByFirmware[new FirmwareKey("Kempower", "S-Series", null)]);
        Assert.Equal(75m, report.BySite["SITE-1"].RatePercent);
        Assert.Equal(0m, report.ByModel[new ModelKey("Kempower", "S-Series")].RatePercent);
        Assert.Equal(60m, report.Total.RatePercent);
    }
}
