using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.LoadBalancing;
using Settlement.Host.LoadBalancing;
using Settlement.Ocpp.Commands;
using Settlement.Ocpp.Framing;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.LoadBalancing;

/// <summary>Every profile the balancer builds passes the official schema in both versions, and a charger reads back the limit it meant.</summary>
public sealed class charging_profile_tests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 12, 6, 14, 0);
    private static readonly BalancedEvse Ac = new("CP1", 2, "grid", [GridPhase.L1, GridPhase.L2, GridPhase.L3], 6m, 32m, ChargingRateUnit.A);
    private static readonly BalancedEvse Dc = new("CP1", 1, "grid", [GridPhase.L1, GridPhase.L2, GridPhase.L3], 10m, 200m, ChargingRateUnit.W);
    private static readonly BalancedEvse SinglePhase = new("CP1", 3, "grid", [GridPhase.L2], 6m, 16m, ChargingRateUnit.A);

    private sealed class Charger : IChargerState
    {
        public List<(int EvseId, SimulatedProfile Profile)> Kept { get; } = [];
        public bool TryClaimEvse(int? requested, out int evseId)
        {
            evseId = 0;
            return false;
        }

        public bool HasTransaction(string transactionId) => transactionId is "42" or "tx-42";
        public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();
        public LocalAuthorisationList LocalList { get; } = new();

        public bool SetChargingProfile(int evseId, SimulatedProfile profile)
        {
            Kept.Add((evseId, profile));
            return profile.TransactionId is null || HasTransaction(profile.TransactionId);
        }

        public bool ClearChargingProfile(int? profileId) => false;
    }

    public static TheoryData<OcppVersion, string> Evses()
    {
        var data = new TheoryData<OcppVersion, string>();
        foreach (var version in new[] { OcppVersion.Ocpp16, OcppVersion.Ocpp201 })
            foreach (var evse in new[] { "ac", "dc", "single-phase" })
                data.Add(version, evse);
        return data;
    }

    private static BalancedEvse EvseNamed(string name) => name switch { "ac" => Ac, "dc" => Dc, _ => SinglePhase };

    [Theory]
    [MemberData(nameof(Evses))]
    public void every_profile_passes_the_official_schema_and_the_charger_accepts_it(OcppVersion version, string evseName)
    {
        var evse = EvseNamed(evseName);
        var protocol = version == OcppVersion.Ocpp16 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201;
        var transactionId = version == OcppVersion.Ocpp16 ? "42" : "tx-42";
        var profiles = new[]
        {
            ChargingProfiles.Tx(version, evse, 230, transactionId, 12.3m, [], Now),
            ChargingProfiles.Tx(version, evse, 230, transactionId, 16m, [new LaterLimit(Now + Duration.FromMinutes(10), 8.2m)], Now),
            ChargingProfiles.Tx(version, evse, 230, transactionId, 0m, [], Now),
            ChargingProfiles.TxDefault(version, evse, 230, 5.5m),
        };

        foreach (var profile in profiles)
        {
            var (action, payload) = CommandTranslation.For(new SetChargingProfile("CP1", evse.EvseId, profile), protocol);
            Assert.Null(OcppSchemaValidator.Default.ValidateRequest(protocol, action, payload));
            var answer = ServerCallAnswers.Answer(protocol, new OcppCall("1", action, payload), new Charger());
            Assert.Null(OcppSchemaValidator.Default.ValidateResponse(protocol, action, answer.Result!));
            Assert.Equal("Accepted", answer.Result!["status"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16)]
    [InlineData(OcppVersion.Ocpp201)]
    public void the_charger_reads_back_the_limit_in_its_unit_and_phases(OcppVersion version)
    {
        var protocol = version == OcppVersion.Ocpp16 ? OcppProtocol.Ocpp16 : OcppProtocol.Ocpp201;
        var charger = new Charger();

        foreach (var (evse, amps) in new[] { (Ac, 12.3m), (Dc, 100m), (SinglePhase, 7m) })
        {
            var (action, payload) = CommandTranslation.For(new SetChargingProfile("CP1", evse.EvseId,
                ChargingProfiles.Tx(version, evse, 230, version == OcppVersion.Ocpp16 ? "42" : "tx-42", amps, [], Now)), protocol);
            ServerCallAnswers.Answer(protocol, new OcppCall("1", action, payload), charger);
        }

        Assert.Equal([(2, 12.3m * 230 * 3), (1, 100m * 230 * 3), (3, 7m * 230)],
            charger.Kept.Select(k => (k.EvseId, k.Profile.LimitW(Now, 230))).ToList());
    }

    [Fact]
    public void a_2_0_1_profile_lowers_the_limit_when_a_signal_starts_within_the_hour_and_never_raises_it()
    {
        var soon = Now + Duration.FromMinutes(20);
        var later = Now + Duration.FromMinutes(40);
        var beyond = Now + Duration.FromMinutes(90);

        var profile = ChargingProfiles.Tx(OcppVersion.Ocpp201, Ac, 230, "tx-42", 16m,
            [new LaterLimit(soon, 10m), new LaterLimit(later, 12m), new LaterLimit(later + Duration.FromMinutes(5), 8m), new LaterLimit(beyond, 6m)], Now);
        var read = SimulatedProfile.Read(OcppProtocol.Ocpp201, new() { ["evseId"] = 2, ["chargingProfile"] = profile }, Now, out _)!;

        Assert.Equal([(0, 16m), (1_200, 10m), (2_700, 8m)], read.Periods.Select(p => (p.StartPeriod, p.Limit)).ToList());
        Assert.Equal(10m, read.PeriodAt(Now + Duration.FromMinutes(30)).Limit);
    }

    [Fact]
    public void a_1_6_transaction_id_that_is_not_a_number_is_left_out_rather_than_sent_wrong()
    {
        var profile = ChargingProfiles.Tx(OcppVersion.Ocpp16, Ac, 230, "not-a-number", 10m, [], Now);

        Assert.False(profile.ContainsKey("transactionId"));
    }
}
