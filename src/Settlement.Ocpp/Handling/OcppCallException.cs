namespace Settlement.Ocpp.Handling;

/// <summary>A CALL we answer with a CALLERROR; the code is one of <see cref="Framing.OcppErrorCodes"/>.</summary>
public sealed class OcppCallException(string errorCode, string description) : Exception(description)
{
    public string ErrorCode { get; } = errorCode;
}
