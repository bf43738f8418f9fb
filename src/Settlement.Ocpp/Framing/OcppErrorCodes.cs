namespace Settlement.Ocpp.Framing;

/// <summary>
/// CALLERROR error codes: OCPP-J 1.6 §4.2.3 (table "Valid Error Codes") and OCPP 2.0.1 Part 4 §4.3.
/// The two lists differ, so anything that depends on the version goes through the helpers below rather
/// than a constant.
/// </summary>
public static class OcppErrorCodes
{
    /// <summary>Both: "Requested Action is not known by receiver".</summary>
    public const string NotImplemented = "NotImplemented";

    /// <summary>Both: "Requested Action is recognized but not supported by the receiver".</summary>
    public const string NotSupported = "NotSupported";

    /// <summary>Both: "An internal error occurred and the receiver was not able to process the requested Action successfully".</summary>
    public const string InternalError = "InternalError";

    /// <summary>1.6: "Payload for Action is incomplete"; 2.0.1: "Payload for Action is not conform the PDU structure".</summary>
    public const string ProtocolError = "ProtocolError";

    /// <summary>Both: a security issue prevented the receiver from completing the Action.</summary>
    public const string SecurityError = "SecurityError";

    /// <summary>1.6 only: "Payload for Action is syntactically incorrect or not conform the PDU structure for Action".</summary>
    public const string FormationViolation = "FormationViolation";

    /// <summary>2.0.1 only (the 1.6 FormationViolation renamed): "Payload for Action is syntactically incorrect".</summary>
    public const string FormatViolation = "FormatViolation";

    /// <summary>Both: "Payload is syntactically correct but at least one field contains an invalid value".</summary>
    public const string PropertyConstraintViolation = "PropertyConstraintViolation";

    /// <summary>
    /// 2.0.1 spelling: "Payload for Action is syntactically correct but at least one of the fields violates
    /// occurrence constraints". 1.6 peers expect <see cref="OccurenceConstraintViolation"/> instead.
    /// </summary>
    public const string OccurrenceConstraintViolation = "OccurrenceConstraintViolation";

    /// <summary>
    /// The 1.6 spelling of <see cref="OccurrenceConstraintViolation"/>. The OCPP-J 1.6 table misspells it and
    /// the OCPP-J 1.6 errata sheet (§5.1, "known issues that will not be fixed") keeps the typo, so it is the
    /// wire value 1.6 chargers validate against.
    /// </summary>
    public const string OccurenceConstraintViolation = "OccurenceConstraintViolation";

    /// <summary>Both: a field violates data type constraints (e.g. "somestring": 12).</summary>
    public const string TypeConstraintViolation = "TypeConstraintViolation";

    /// <summary>Both: any other error not covered by the more specific codes.</summary>
    public const string GenericError = "GenericError";

    /// <summary>2.0.1 only: "A message with an Message Type Number received that is not supported by this implementation".</summary>
    public const string MessageTypeNotSupported = "MessageTypeNotSupported";

    /// <summary>2.0.1 only: "Content of the call is not a valid RPC Request, for example: MessageId could not be read".</summary>
    public const string RpcFrameworkError = "RpcFrameworkError";

    /// <summary>The code for a message or payload that is syntactically wrong: FormationViolation in 1.6, FormatViolation in 2.0.1.</summary>
    public static string FormatViolationFor(OcppProtocol protocol) => protocol switch
    {
        OcppProtocol.Ocpp16 => FormationViolation,
        OcppProtocol.Ocpp201 => FormatViolation,
        _ => throw UnknownProtocol(protocol),
    };

    /// <summary>The code for a missing required field or a wrong number of array items, in the version's own spelling.</summary>
    public static string OccurrenceConstraintViolationFor(OcppProtocol protocol) => protocol switch
    {
        OcppProtocol.Ocpp16 => OccurenceConstraintViolation,
        OcppProtocol.Ocpp201 => OccurrenceConstraintViolation,
        _ => throw UnknownProtocol(protocol),
    };

    /// <summary>
    /// The code for a message type number other than 2, 3 or 4. 2.0.1 Part 4 §4.4 requires
    /// MessageTypeNotSupported. 1.6 has no such code (§4.1.3 only says to ignore the payload), so we answer
    /// ProtocolError, the 1.6 code for a message the RPC layer cannot take in. FormationViolation would
    /// suggest that the payload was at fault.
    /// </summary>
    public static string MessageTypeNotSupportedFor(OcppProtocol protocol) => protocol switch
    {
        OcppProtocol.Ocpp16 => ProtocolError,
        OcppProtocol.Ocpp201 => MessageTypeNotSupported,
        _ => throw UnknownProtocol(protocol),
    };

    /// <summary>
    /// The code for a payload that is valid JSON but has a property its Action does not define
    /// ("additionalProperties": false). This is the PDU-structure error. 1.6 §4.2.3 puts "not conform the PDU
    /// structure for Action" under FormationViolation. 2.0.1 §4.3 split that definition: FormatViolation is now
    /// only "syntactically incorrect", and "not conform the PDU structure" moved to ProtocolError.
    /// </summary>
    public static string UnknownPropertyFor(OcppProtocol protocol) => protocol switch
    {
        OcppProtocol.Ocpp16 => FormationViolation,
        OcppProtocol.Ocpp201 => ProtocolError,
        _ => throw UnknownProtocol(protocol),
    };

    private static ArgumentOutOfRangeException UnknownProtocol(OcppProtocol protocol) =>
        new(nameof(protocol), protocol, "Unknown OCPP protocol.");
}
