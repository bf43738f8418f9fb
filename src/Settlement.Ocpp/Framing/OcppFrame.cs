using System.Text.Json.Nodes;

namespace Settlement.Ocpp.Framing;

/// <summary>
/// What <see cref="OcppFrames.Parse"/> returns: one of the three frames or an <see cref="OcppFrameError"/>.
/// The hierarchy is closed, so a switch over these four types covers every case.
/// </summary>
public abstract record OcppParseResult
{
    private protected OcppParseResult()
    {
    }
}

/// <summary>A well-formed OCPP-J RPC message.</summary>
/// <remarks>
/// Payloads are mutable <see cref="JsonObject"/>s and records compare them by reference. Use
/// <see cref="JsonNode.DeepEquals"/> to compare their content.
/// </remarks>
public abstract record OcppFrame : OcppParseResult
{
    private protected OcppFrame(string messageId) => MessageId = messageId;

    public string MessageId { get; }
}

/// <summary><c>[2, "&lt;messageId&gt;", "&lt;Action&gt;", {payload}]</c></summary>
public sealed record OcppCall(string MessageId, string Action, JsonObject Payload) : OcppFrame(MessageId);

/// <summary><c>[3, "&lt;messageId&gt;", {payload}]</c></summary>
public sealed record OcppCallResult(string MessageId, JsonObject Payload) : OcppFrame(MessageId);

/// <summary><c>[4, "&lt;messageId&gt;", "&lt;errorCode&gt;", "&lt;errorDescription&gt;", {errorDetails}]</c></summary>
public sealed record OcppCallError(string MessageId, string ErrorCode, string Description, JsonObject Details) : OcppFrame(MessageId);

/// <summary>
/// A text message that is not a well-formed OCPP-J frame. <paramref name="ErrorCode"/> and
/// <paramref name="Description"/> are what to send back in a CALLERROR.
/// </summary>
/// <param name="MessageId">
/// The sender's message id, or null when it could not be read (the text is not JSON, not an array, or the
/// id is missing, not a string, empty or longer than 36 characters).
/// </param>
public sealed record OcppFrameError(string? MessageId, string ErrorCode, string Description) : OcppParseResult
{
    /// <summary>
    /// The CALLERROR that answers the bad message. An unreadable id becomes
    /// <see cref="OcppFrames.UnreadableMessageId"/>.
    /// </summary>
    public OcppCallError ToCallError() =>
        new(MessageId ?? OcppFrames.UnreadableMessageId, ErrorCode, Description, new JsonObject());
}
