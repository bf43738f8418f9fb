using System.Text.Json;
using System.Text.Json.Serialization;

namespace Settlement.Tests.Ocpp.Client;

/// <summary>
/// What happened when run-scenario.js played a <see cref="Scenario"/>. Typed members cover the common asserts;
/// <see cref="Json"/> (and each step's own Json) hold the full document for anything else.
/// </summary>
public sealed record ScenarioResult
{
    public bool Connected { get; init; }

    /// <summary>The subprotocol the endpoint selected.</summary>
    public string? Protocol { get; init; }

    /// <summary>Whether strict validation applied to the selected subprotocol.</summary>
    public bool Strict { get; init; }

    /// <summary>Why the connection failed (e.g. "Unauthorized", "Server sent no subprotocol").</summary>
    public string? Error { get; init; }

    public string? ErrorName { get; init; }

    /// <summary>Status of a refused WebSocket upgrade, such as 401 or 404.</summary>
    public int? HttpStatus { get; init; }

    public IReadOnlyList<StepResult> Results { get; init; } = [];

    public int? CloseCode { get; init; }

    public string? CloseReason { get; init; }

    /// <summary>"client" when the scenario (or the harness at its end) closed, "server" when the endpoint did.</summary>
    public string? ClosedBy { get; init; }

    /// <summary>Server CALLs that no expectCall step claimed.</summary>
    public IReadOnlyList<ReceivedCall> UnhandledCalls { get; init; } = [];

    public IReadOnlyList<ReceivedCall> AutoResponded { get; init; } = [];

    /// <summary>Every frame on the wire, in order.</summary>
    public IReadOnlyList<WireMessage> Messages { get; init; } = [];

    /// <summary>The scenario's time budget ran out; Results holds the steps completed before that.</summary>
    public bool TimedOut { get; init; }

    public int ElapsedMs { get; init; }

    [JsonIgnore]
    public JsonElement Json { get; init; }

    public StepResult Step(int index) =>
        Results.FirstOrDefault(r => r.Step == index)
        ?? throw new InvalidOperationException($"step {index} has no result (steps run: {Results.Count}).{Environment.NewLine}{this}");

    public IEnumerable<StepResult> Failures => Results.Where(r => !r.Ok);

    /// <summary>Fails the test, showing the whole run, unless the client connected and every step succeeded.</summary>
    public void AssertAllStepsOk()
    {
        if (!Connected)
            Assert.Fail($"the strict client could not connect: {Error} (HTTP {HttpStatus?.ToString() ?? "-"}){Environment.NewLine}{this}");
        if (TimedOut)
            Assert.Fail($"the scenario ran out of time after {Results.Count} steps{Environment.NewLine}{this}");
        var failures = Failures.ToList();
        if (failures.Count > 0)
            Assert.Fail($"{failures.Count} step(s) failed: {string.Join("; ", failures.Select(f => $"#{f.Step} {f.Kind}: {f.Error}"))}{Environment.NewLine}{this}");
    }

    public override string ToString() => Json.ValueKind == JsonValueKind.Undefined
        ? base.ToString()!
        : JsonSerializer.Serialize(Json, OcppRpcClient.IndentedJson);
}

public sealed record StepResult
{
    public int Step { get; init; }

    /// <summary>call, expectCall, sleep, raw, close or expectClose.</summary>
    public string Kind { get; init; } = "";

    public bool Ok { get; init; }

    public string? MessageId { get; init; }

    /// <summary>The CALLRESULT payload of a successful call.</summary>
    public JsonElement? Response { get; init; }

    /// <summary>The frame the endpoint answered a failed call with, exactly as received.</summary>
    public JsonElement? RawResponse { get; init; }

    public StepError? Error { get; init; }

    /// <summary>The payload of the server CALL an expectCall step claimed.</summary>
    public JsonElement? Received { get; init; }

    /// <summary>The endpoint's reply to a raw frame, as text.</summary>
    public string? RawReply { get; init; }

    public int? CloseCode { get; init; }

    public string? CloseReason { get; init; }

    [JsonIgnore]
    public JsonElement Json { get; init; }

    public override string ToString() => Json.ValueKind == JsonValueKind.Undefined ? base.ToString()! : Json.GetRawText();
}

public sealed record StepError
{
    /// <summary>The JavaScript error class, e.g. RPCFormatViolationError, TimeoutError, UnexpectedHttpResponse.</summary>
    public string Name { get; init; } = "";

    /// <summary>The OCPP error code (CALLERROR or schema violation) or a system error code.</summary>
    public string? Code { get; init; }

    public string? Message { get; init; }

    public string? RpcErrorCode { get; init; }

    /// <summary>
    /// Set when a frame failed schema validation: serverResponse or serverCall mean the endpoint sent something
    /// invalid; ownRequest or ownResponse mean the scenario did.
    /// </summary>
    public string? Validation { get; init; }

    /// <summary>Ajv's error list for a validation failure.</summary>
    public JsonElement? ValidationErrors { get; init; }

    public JsonElement? Details { get; init; }

    public bool IsEndpointSchemaViolation => Validation is SchemaViolation.ServerResponse or SchemaViolation.ServerCall;

    public override string ToString() =>
        $"{Name} {Code}: {Message}" + (Validation is null ? "" : $" [{Validation}]");
}

public static class SchemaViolation
{
    public const string ServerResponse = "serverResponse";
    public const string ServerCall = "serverCall";
    public const string OwnRequest = "ownRequest";
    public const string OwnResponse = "ownResponse";
}

public sealed record ReceivedCall(string MessageId, string Method, JsonElement? Params);

public sealed record WireMessage(int T, string Dir, string Text, string? Connection = null)
{
    public bool Inbound => Dir == "in";

    public override string ToString() => $"{T,6} ms {(Inbound ? "<-" : "->")} {Text}";
}
