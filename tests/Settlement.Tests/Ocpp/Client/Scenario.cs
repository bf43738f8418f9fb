namespace Settlement.Tests.Ocpp.Client;

/// <summary>
/// What tests/ocpp-client/run-scenario.js should do against an OCPP-J endpoint: connect as one charge point with
/// ocpp-rpc's strict client, then run the steps in order. Serialised camelCase; null members are left out.
/// </summary>
/// <remarks>
/// The connection URL is <c>{Endpoint}/{Identity}</c> (identity URL-encoded), as OCPP-J prescribes.
/// Payloads are serialised with the same camelCase policy, so anonymous objects can use C# or JSON casing; pass a
/// JsonObject or dictionary when the exact key spelling is the point of the test.
/// </remarks>
public sealed record Scenario
{
    public required string Endpoint { get; init; }

    public required string Identity { get; init; }

    /// <summary>Offered in Sec-WebSocket-Protocol, in this order of preference.</summary>
    public IReadOnlyList<string> Protocols { get; init; } = ["ocpp1.6"];

    /// <summary>Security profile 1: sent as HTTP Basic auth with the identity as user name.</summary>
    public string? Password { get; init; }

    /// <summary>Validate every frame, ours and the endpoint's, against the official schemas (only for known protocols).</summary>
    public bool Strict { get; init; } = true;

    /// <summary>The whole scenario's budget; when it runs out the result so far comes back with TimedOut set.</summary>
    public int? TimeoutMs { get; init; }

    /// <summary>How long a CALL waits for its answer unless its step says otherwise (harness default 10 s).</summary>
    public int? CallTimeoutMs { get; init; }

    /// <summary>WebSocket ping interval of the client (ocpp-rpc default 30 s; a missing pong by the next ping drops the connection).</summary>
    public int? PingIntervalMs { get; init; }

    /// <summary>Extra HTTP headers on the upgrade request.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Query string parameters appended to the connection URL.</summary>
    public IReadOnlyDictionary<string, string>? Query { get; init; }

    /// <summary>Answers for server CALLs that may arrive at any time (e.g. a GetConfiguration after boot), by action.</summary>
    public IReadOnlyDictionary<string, CallAnswer>? AutoRespond { get; init; }

    public IReadOnlyList<ScenarioStep> Steps { get; init; } = [];
}

/// <summary>How the charge point answers a server CALL: a CALLRESULT payload, or a CALLERROR.</summary>
public sealed record CallAnswer
{
    public object? Respond { get; init; }

    public RpcErrorSpec? RespondError { get; init; }

    public static CallAnswer With(object payload) => new() { Respond = payload };

    public static CallAnswer Error(string code, string message = "") => new() { RespondError = new RpcErrorSpec(code, message) };
}

public sealed record RpcErrorSpec(string Code, string Message = "", object? Details = null);

/// <summary>One step; exactly one of Call, ExpectCall, SleepMs, Raw, Close, ExpectClose is set. <see cref="Step"/> builds them.</summary>
public sealed record ScenarioStep
{
    public string? Call { get; init; }

    public object? Payload { get; init; }

    public string? ExpectCall { get; init; }

    public object? Respond { get; init; }

    public RpcErrorSpec? RespondError { get; init; }

    public bool? NoReply { get; init; }

    public int? SleepMs { get; init; }

    public string? Raw { get; init; }

    public bool? ExpectRawReply { get; init; }

    /// <summary>Send the raw frame on a second plain WebSocket (same identity, subprotocol and auth) instead of the client's own.</summary>
    public bool? SeparateConnection { get; init; }

    public bool? Close { get; init; }

    public int? Code { get; init; }

    public string? Reason { get; init; }

    public bool? ExpectClose { get; init; }

    public int? TimeoutMs { get; init; }
}

public static class Step
{
    /// <summary>A CALL from the charge point; the step fails on a CALLERROR, a timeout or a schema violation on either side.</summary>
    public static ScenarioStep Call(string action, object? payload = null, int? timeoutMs = null) =>
        new ScenarioStep { Call = action, Payload = payload ?? new { }, TimeoutMs = timeoutMs };

    /// <summary>Waits for the endpoint to send this action (even if it arrived earlier) and answers it.</summary>
    public static ScenarioStep Expect(string action, object respond, int? timeoutMs = null) =>
        new ScenarioStep { ExpectCall = action, Respond = respond, TimeoutMs = timeoutMs };

    public static ScenarioStep ExpectAndFail(string action, string errorCode, string message = "", int? timeoutMs = null) =>
        new ScenarioStep { ExpectCall = action, RespondError = new RpcErrorSpec(errorCode, message), TimeoutMs = timeoutMs };

    public static ScenarioStep ExpectAndIgnore(string action, int? timeoutMs = null) =>
        new ScenarioStep { ExpectCall = action, NoReply = true, TimeoutMs = timeoutMs };

    public static ScenarioStep Sleep(int milliseconds) => new ScenarioStep { SleepMs = milliseconds };

    /// <summary>Sends a frame verbatim, bypassing the strict client, and by default waits for the reply to it.</summary>
    public static ScenarioStep Raw(string frame, bool expectReply = true, bool separateConnection = false, int? timeoutMs = null) =>
        new ScenarioStep { Raw = frame, ExpectRawReply = expectReply, SeparateConnection = separateConnection ? true : null, TimeoutMs = timeoutMs };

    public static ScenarioStep Close(int code = 1000, string? reason = null) =>
        new ScenarioStep { Close = true, Code = code, Reason = reason };

    /// <summary>Waits for the endpoint to close the connection.</summary>
    public static ScenarioStep ExpectClose(int? timeoutMs = null) => new ScenarioStep { ExpectClose = true, TimeoutMs = timeoutMs };
}
