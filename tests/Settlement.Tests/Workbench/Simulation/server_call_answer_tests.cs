using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Domain.SelfHealing;
using Settlement.Ocpp.Commands;
using Settlement.Ocpp.Framing;
using Settlement.Workbench.Simulation;

namespace Settlement.Tests.Workbench.Simulation;

/// <summary>Every command the host can send, in each version's words, gets an answer the official schema accepts.</summary>
public sealed class server_call_answer_tests
{
    private sealed class Charger(bool free) : IChargerState
    {
        public bool TryClaimEvse(int? requested, out int evseId)
        {
            evseId = requested ?? 1;
            return free;
        }

        public bool HasTransaction(string transactionId) => transactionId is "42" or "tx-42";

        public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
        {
            ["HeartbeatInterval"] = "300",
            ["OCPPCommCtrlr/HeartbeatInterval"] = "300",
        };

        public LocalAuthorisationList LocalList { get; } = new();

        public bool SetChargingProfile(int evseId, SimulatedProfile profile) =>
            profile.Purpose == "TxDefaultProfile" || profile.TransactionId is null || HasTransaction(profile.TransactionId);

        public bool ClearChargingProfile(int? profileId) => profileId is null or 3;

        public bool UpdatingFirmware => !free;

        public bool HasRunningSession => !free;
    }

    public static TheoryData<string, ChargerCommand> Commands()
    {
        var data = new TheoryData<string, ChargerCommand>();
        ChargerCommand[] commands =
        [
            new RemoteStart("SIM", 1, "RFID-1"),
            new RemoteStop("SIM", "42"),
            new RemoteStop("SIM", "7"),
            new Reset("SIM", ResetKind.Hard),
            new ChangeAvailability("SIM", 1, false),
            new UnlockConnector("SIM", 1, 1),
            new ClearChargingProfile("SIM", 3),
            new ClearChargingProfile("SIM", 4),
            new TriggerMessage("SIM", "Heartbeat", null),
            new TriggerMessage("SIM", "StatusNotification", 1),
            new TriggerMessage("SIM", "MeterValues", 1),
            new GetSettings("SIM", ["OCPPCommCtrlr/HeartbeatInterval", "Nope/Nothing"]),
            new ChangeSetting("SIM", "OCPPCommCtrlr/HeartbeatInterval", "60"),
            new UpdateFirmware("SIM", new Uri("https://firmware.example/v2.bin"), Instant.FromUtc(2026, 11, 1, 2, 0)),
        ];
        foreach (var (protocol, command) in new[] { OcppProtocol.Ocpp16, OcppProtocol.Ocpp201 }.SelectMany(p => commands.Select(c => (p, c))))
        {
            // 1.6 names settings by key alone.
            var translated = protocol == OcppProtocol.Ocpp16 && command is GetSettings
                ? new GetSettings("SIM", ["HeartbeatInterval", "Unknown"])
                : command;
            data.Add(protocol.SubProtocol(), translated);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void every_answer_is_valid_for_the_official_schema(string subProtocol, ChargerCommand command)
    {
        OcppProtocols.TryParse(subProtocol, out var protocol);
        var (action, payload) = CommandTranslation.For(command, protocol);
        Assert.Null(OcppSchemaValidator.Default.ValidateRequest(protocol, action, payload));

        foreach (var free in new[] { true, false })
        {
            var answer = ServerCallAnswers.Answer(protocol, new OcppCall("1", action, payload), new Charger(free));

            Assert.NotNull(answer.Result);
            Assert.Null(OcppSchemaValidator.Default.ValidateResponse(protocol, action, answer.Result));
        }
    }

    [Theory]
    [InlineData("ocpp1.6", "RemoteStartTransaction")]
    [InlineData("ocpp2.0.1", "RequestStartTransaction")]
    public void a_remote_start_is_accepted_only_on_a_free_evse_and_then_starts_a_session(string subProtocol, string action)
    {
        OcppProtocols.TryParse(subProtocol, out var protocol);
        var (_, payload) = CommandTranslation.For(new RemoteStart("SIM", 2, "RFID-9"), protocol);

        var free = ServerCallAnswers.Answer(protocol, new OcppCall("1", action, payload), new Charger(free: true));
        var busy = ServerCallAnswers.Answer(protocol, new OcppCall("2", action, payload), new Charger(free: false));

        Assert.Equal("Accepted", free.Result!["status"]!.GetValue<string>());
        var start = Assert.IsType<StartRemoteSession>(free.Then);
        Assert.Equal((2, "RFID-9"), (start.EvseId, start.IdToken));
        Assert.Equal("Rejected", busy.Result!["status"]!.GetValue<string>());
        Assert.Null(busy.Then);
    }

    [Fact]
    public void an_action_the_simulator_does_not_model_is_a_not_implemented_call_error()
    {
        var answer = ServerCallAnswers.Answer(OcppProtocol.Ocpp201, new OcppCall("1", "CustomerInformation", new JsonObject()), new Charger(true));

        Assert.Null(answer.Result);
        Assert.Equal(OcppErrorCodes.NotImplemented, answer.ErrorCode);
    }

    private static readonly JsonObject SignedFirmware = new()
    {
        ["requestId"] = 7,
        ["firmware"] = new JsonObject
        {
            ["location"] = "https://firmware.example/acme/fast150/2.4.1.bin",
            ["retrieveDateTime"] = "2026-11-01T02:00:00Z",
            ["signingCertificate"] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            ["signature"] = "c2lnbmF0dXJl",
        },
    };

    [Fact]
    public void a_signed_update_is_accepted_and_installed_under_its_request_id_with_the_signature_checked()
    {
        var answer = Answer(OcppProtocol.Ocpp201, "UpdateFirmware", SignedFirmware, new Charger(free: true));

        Assert.Equal("Accepted", answer.Result!["status"]!.GetValue<string>());
        var install = Assert.IsType<InstallFirmware>(answer.Then);
        Assert.Equal((7, true, Instant.FromUtc(2026, 11, 1, 2, 0)), (install.RequestId, install.Signed, install.RetrieveAt));
        Assert.Equal("https://firmware.example/acme/fast150/2.4.1.bin", install.Location.AbsoluteUri);
    }

    [Fact]
    public void a_signing_certificate_that_is_not_pem_is_an_invalid_certificate_and_nothing_is_installed()
    {
        var payload = SignedFirmware.DeepClone().AsObject();
        payload["firmware"]!["signingCertificate"] = "not a certificate";

        var answer = Answer(OcppProtocol.Ocpp201, "UpdateFirmware", payload, new Charger(free: true));

        Assert.Equal("InvalidCertificate", answer.Result!["status"]!.GetValue<string>());
        Assert.Null(answer.Then);
    }

    [Theory]
    [InlineData("ocpp1.6")]
    [InlineData("ocpp2.0.1")]
    public void an_update_while_another_runs_starts_nothing(string subProtocol)
    {
        OcppProtocols.TryParse(subProtocol, out var protocol);
        var (action, payload) = CommandTranslation.For(new UpdateFirmware("SIM", new Uri("https://firmware.example/v2.bin"), Instant.FromUtc(2026, 11, 1, 2, 0)), protocol);

        var answer = Answer(protocol, action, payload, new Charger(free: false));

        Assert.Null(answer.Then);
        if (protocol == OcppProtocol.Ocpp201) Assert.Equal("Rejected", answer.Result!["status"]!.GetValue<string>());
    }

    [Fact]
    public void an_on_idle_reset_during_a_session_is_scheduled_and_a_reset_of_one_evse_is_rejected()
    {
        var onIdle = Answer(OcppProtocol.Ocpp201, "Reset", new JsonObject { ["type"] = "OnIdle" }, new Charger(free: false));
        var immediate = Answer(OcppProtocol.Ocpp201, "Reset", new JsonObject { ["type"] = "Immediate" }, new Charger(free: false));
        var oneEvse = Answer(OcppProtocol.Ocpp201, "Reset", new JsonObject { ["type"] = "Immediate", ["evseId"] = 1 }, new Charger(free: true));

        Assert.Equal(("Scheduled", false), (onIdle.Result!["status"]!.GetValue<string>(), Assert.IsType<RebootOnReset>(onIdle.Then).Hard));
        Assert.Equal(("Accepted", true), (immediate.Result!["status"]!.GetValue<string>(), Assert.IsType<RebootOnReset>(immediate.Then).Hard));
        Assert.Equal("Rejected", oneEvse.Result!["status"]!.GetValue<string>());
        Assert.Null(oneEvse.Then);
    }

    [Theory]
    [InlineData("ocpp1.6", 0)]
    [InlineData("ocpp1.6", 2)]
    [InlineData("ocpp2.0.1", 0)]
    [InlineData("ocpp2.0.1", 2)]
    public void change_availability_names_the_evse_it_changes(string subProtocol, int evseId)
    {
        OcppProtocols.TryParse(subProtocol, out var protocol);
        var (action, payload) = CommandTranslation.For(new ChangeAvailability("SIM", evseId, Operative: false), protocol);

        var answer = Answer(protocol, action, payload, new Charger(free: true));

        Assert.Equal(new ChangeEvseAvailability(evseId, Operative: false), answer.Then);
    }

    [Fact]
    public void a_glitch_gives_way_to_its_own_action_and_every_stronger_one_on_its_ladder_only()
    {
        var fault = GlitchLadders.ConnectorFault;

        Assert.False(GlitchLadders.Clears(fault, HealingAction.CycleAvailability, HealingAction.TriggerStatus));
        Assert.True(GlitchLadders.Clears(fault, HealingAction.CycleAvailability, HealingAction.CycleAvailability));
        Assert.True(GlitchLadders.Clears(fault, HealingAction.CycleAvailability, HealingAction.HardReset));
        Assert.False(GlitchLadders.Clears(fault, HealingAction.TriggerStatus, HealingAction.UnlockConnector));
        Assert.False(GlitchLadders.Clears(fault, clearedBy: null, HealingAction.HardReset));
        Assert.True(GlitchLadders.Clears(GlitchLadders.FrozenMeter, HealingAction.RemoteStop, HealingAction.SoftReset));
        Assert.False(GlitchLadders.Clears(GlitchLadders.FailingStarts, HealingAction.HardReset, HealingAction.SoftReset));
    }

    /// <summary>The answer, checked against the official response schema first.</summary>
    private static ServerCallAnswer Answer(OcppProtocol protocol, string action, JsonObject payload, IChargerState charger)
    {
        Assert.Null(OcppSchemaValidator.Default.ValidateRequest(protocol, action, payload));
        var answer = ServerCallAnswers.Answer(protocol, new OcppCall("1", action, payload), charger);
        Assert.Null(OcppSchemaValidator.Default.ValidateResponse(protocol, action, answer.Result!));
        return answer;
    }
}
