using NodaTime;
using Settlement.Domain.Chargers;
using static Settlement.Domain.Chargers.ConnectorStatus;

namespace Settlement.Tests.Chargers;

public sealed class connector_fault_decision_tests
{
    private const string Id = "DE-MUC-01";
    private static readonly Instant At = Instant.FromUtc(2026, 10, 12, 12, 0);
    private static readonly DeciderSpec<ConnectorFaults, ReportConnectorStatus> Spec = new(ConnectorFaults.None, ConnectorFaults.Evolve, ConnectorFaults.Decide);

    private static ReportConnectorStatus V16(ConnectorStatus status, string? errorCode = null, int evse = 1) =>
        new(Id, evse, 1, status, OcppFaultSignal.ErrorCode, errorCode, errorCode is null ? null : "E42", null, At);

    private static ReportConnectorStatus V201(ConnectorStatus status, int evse = 1) =>
        new(Id, evse, 1, status, OcppFaultSignal.FaultedStatus, null, null, null, At);

    private static ConnectorStatusChanged Status(ConnectorStatus status, int evse = 1) => new(Id, evse, 1, status, At);

    private static FaultReported Fault(string code, string? vendorCode = null, int evse = 1) => new(Id, evse, 1, code, vendorCode, null, At);

    private static FaultCleared Cleared(int evse = 1) => new(Id, evse, 1, "Faulted", At);

    [Fact]
    public void a_status_without_a_fault_records_only_the_status() =>
        Spec.Given().When(V16(Available)).Then(Status(Available));

    [Fact]
    public void an_ocpp16_error_code_is_a_fault_with_its_code_and_vendor_code() =>
        Spec.Given().When(V16(Faulted, "GroundFailure")).Then(Status(Faulted), Fault("GroundFailure", "E42"));

    [Fact]
    public void an_ocpp16_error_code_beside_a_status_that_is_not_faulted_is_a_fault_too() =>
        Spec.Given().When(V16(Available, "HighTemperature")).Then(Status(Available), Fault("HighTemperature", "E42"));

    [Fact]
    public void an_ocpp16_error_code_reported_again_is_recorded_again() =>
        Spec.Given(Status(Faulted), Fault("GroundFailure", "E42")).When(V16(Faulted, "GroundFailure")).Then(Status(Faulted), Fault("GroundFailure", "E42"));

    [Fact]
    public void an_ocpp16_report_without_error_code_clears_a_fault() =>
        Spec.Given(Status(Faulted), Fault("GroundFailure", "E42")).When(V16(Available)).Then(Status(Available), Cleared());

    [Fact]
    public void an_ocpp16_faulted_status_without_error_code_is_no_fault_but_still_clears_on_its_next_report()
    {
        Spec.Given().When(V16(Faulted)).Then(Status(Faulted));
        Spec.Given(Status(Faulted)).When(V16(Available)).Then(Status(Available), Cleared());
    }

    [Fact]
    public void an_ocpp16_faulted_status_whose_error_code_is_gone_clears_the_fault_and_stays_faulted() =>
        Spec.Given(Status(Faulted), Fault("GroundFailure", "E42"), Status(Faulted), Cleared()).When(V16(Faulted)).Then(Status(Faulted), Cleared());

    [Fact]
    public void a_cleared_fault_is_not_cleared_again() =>
        Spec.Given(Status(Available), Fault("HighTemperature", "E42"), Status(Available), Cleared()).When(V16(Available)).Then(Status(Available));

    [Fact]
    public void an_ocpp201_faulted_status_is_a_fault() =>
        Spec.Given().When(V201(Faulted)).Then(Status(Faulted), Fault("Faulted"));

    [Fact]
    public void an_ocpp201_faulted_status_repeated_is_no_new_fault() =>
        Spec.Given(Status(Faulted), Fault("Faulted")).When(V201(Faulted)).Then(Status(Faulted));

    [Fact]
    public void an_ocpp201_status_after_faulted_clears_the_fault_once()
    {
        Spec.Given(Status(Faulted), Fault("Faulted")).When(V201(Available)).Then(Status(Available), Cleared());
        Spec.Given(Status(Faulted), Fault("Faulted"), Status(Available), Cleared()).When(V201(Available)).Then(Status(Available));
    }

    [Fact]
    public void each_connector_has_its_own_fault() =>
        Spec.Given(Status(Faulted, evse: 2), Fault("Faulted", evse: 2)).When(V201(Faulted)).Then(Status(Faulted), Fault("Faulted"));
}
