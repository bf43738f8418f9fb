using Settlement.Ocpp.Framing;

namespace Settlement.Tests.Ocpp.Framing;

public sealed class ocpp_error_code_tests
{
    [Theory]
    [InlineData(OcppProtocol.Ocpp16, "FormationViolation")]
    [InlineData(OcppProtocol.Ocpp201, "FormatViolation")]
    public void a_syntax_error_is_a_formation_violation_in_1_6_and_a_format_violation_in_2_0_1(OcppProtocol protocol, string expected)
    {
        Assert.Equal(expected, OcppErrorCodes.FormatViolationFor(protocol));
    }

    [Theory]
    [InlineData(OcppProtocol.Ocpp16, "OccurenceConstraintViolation")]
    [InlineData(OcppProtocol.Ocpp201, "OccurrenceConstraintViolation")]
    public void the_occurrence_code_keeps_the_1_6_misspelling_on_1_6(OcppProtocol protocol, string expected)
    {
        Assert.Equal(expected, OcppErrorCodes.OccurrenceConstraintViolationFor(protocol));
    }

    [Theory]
    [InlineData(OcppProtocol.Ocpp16, "ProtocolError")]
    [InlineData(OcppProtocol.Ocpp201, "MessageTypeNotSupported")]
    public void an_unknown_message_type_is_a_protocol_error_in_1_6_and_message_type_not_supported_in_2_0_1(OcppProtocol protocol, string expected)
    {
        Assert.Equal(expected, OcppErrorCodes.MessageTypeNotSupportedFor(protocol));
    }

    [Theory]
    [InlineData(OcppProtocol.Ocpp16, "FormationViolation")]
    [InlineData(OcppProtocol.Ocpp201, "ProtocolError")]
    public void an_undefined_property_gets_the_pdu_structure_code_of_the_version(OcppProtocol protocol, string expected)
    {
        Assert.Equal(expected, OcppErrorCodes.UnknownPropertyFor(protocol));
    }

    [Fact]
    public void the_constants_are_the_wire_values_of_the_spec_tables()
    {
        Assert.Equal(
            [
                "NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError", "FormationViolation",
                "FormatViolation", "PropertyConstraintViolation", "OccurrenceConstraintViolation", "OccurenceConstraintViolation",
                "TypeConstraintViolation", "GenericError", "MessageTypeNotSupported", "RpcFrameworkError",
            ],
            [
                OcppErrorCodes.NotImplemented, OcppErrorCodes.NotSupported, OcppErrorCodes.InternalError, OcppErrorCodes.ProtocolError,
                OcppErrorCodes.SecurityError, OcppErrorCodes.FormationViolation, OcppErrorCodes.FormatViolation,
                OcppErrorCodes.PropertyConstraintViolation, OcppErrorCodes.OccurrenceConstraintViolation,
                OcppErrorCodes.OccurenceConstraintViolation, OcppErrorCodes.TypeConstraintViolation, OcppErrorCodes.GenericError,
                OcppErrorCodes.MessageTypeNotSupported, OcppErrorCodes.RpcFrameworkError,
            ]);
    }
}
