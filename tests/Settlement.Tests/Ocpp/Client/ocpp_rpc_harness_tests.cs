using System.Text.Json;

namespace Settlement.Tests.Ocpp.Client;

/// <summary>
/// Proves the strict-client harness against ocpp-rpc's own server, so that when it is pointed at our endpoint a
/// failure means the endpoint, not the harness.
/// </summary>
public sealed class ocpp_rpc_harness_tests(FakeCsms csms) : IClassFixture<FakeCsms>
{
    public const string V16 = "ocpp1.6";
    public const string V201 = "ocpp2.0.1";

    Scenario For(string protocol, params ScenarioStep[] steps) => new()
    {
        Endpoint = csms.Endpoint,
        Identity = $"HARNESS-{protocol}",
        Protocols = [protocol],
        TimeoutMs = 10_000,
        Steps = steps,
    };

    static object Boot(string protocol) => protocol == V16
        ? new { chargePointVendor = "Harness", chargePointModel = "Strict" }
        : new { reason = "PowerUp", chargingStation = new { vendorName = "Harness", model = "Strict" } };

    static object AuthorizeRequest(string protocol) => protocol == V16
        ? new { idTag = "TAG-1" }
        : new { idToken = new { idToken = "TAG-1", type = "ISO14443" } };

    static string RemoteStart(string protocol) => protocol == V16 ? "RemoteStartTransaction" : "RequestStartTransaction";

    [Theory]
    [InlineData(V16)]
    [InlineData(V201)]
    public async Task strict_client_calls_the_server_and_answers_its_calls(string protocol)
    {
        var result = await OcppRpcClient.RunAsync(For(protocol,
            Step.Call("BootNotification", Boot(protocol)),
            Step.Call("Heartbeat"),
            Step.Call("DataTransfer", new { vendorId = "fake", messageId = "StartRemotely" }),
            Step.Expect(RemoteStart(protocol), new { status = "Accepted" }),
            Step.Call("DataTransfer", new { vendorId = "fake", messageId = "LastReply" }),
            Step.Close()));

        result.AssertAllStepsOk();
        Assert.Equal(protocol, result.Protocol);
        Assert.True(result.Strict);
        Assert.Equal("Accepted", result.Step(0).Response!.Value.GetProperty("status").GetString());
        Assert.True(result.Step(1).Response!.Value.TryGetProperty("currentTime", out _));
        Assert.Equal("TAG-1", protocol == V16
            ? result.Step(3).Received!.Value.GetProperty("idTag").GetString()
            : result.Step(3).Received!.Value.GetProperty("idToken").GetProperty("idToken").GetString());
        // The server's record of our reply proves it went over the wire as a CALLRESULT.
        var lastReply = JsonDocument.Parse(result.Step(4).Response!.Value.GetProperty("data").GetString()!).RootElement;
        Assert.Equal("Accepted", lastReply.GetProperty("reply").GetProperty("status").GetString());
        Assert.Equal(1000, result.CloseCode);
        Assert.Equal("client", result.ClosedBy);
        Assert.Empty(result.UnhandledCalls);
    }

    [Theory]
    [InlineData(V16)]
    [InlineData(V201)]
    public async Task schema_violations_are_reported_with_the_side_that_sent_them(string protocol)
    {
        var result = await OcppRpcClient.RunAsync(For(protocol,
            Step.Call("Authorize", AuthorizeRequest(protocol)),
            Step.Call("DataTransfer", new { vendorId = "fake", messageId = "StartRemotelyInvalid" }),
            Step.Expect(RemoteStart(protocol), new { status = "Accepted" }),
            Step.Call("Heartbeat", new { unexpected = true })));

        var invalidResponse = result.Step(0);
        Assert.False(invalidResponse.Ok);
        Assert.Equal(SchemaViolation.ServerResponse, invalidResponse.Error!.Validation);
        Assert.True(invalidResponse.Error.IsEndpointSchemaViolation);
        Assert.NotEmpty(invalidResponse.Error.ValidationErrors!.Value.EnumerateArray());
        Assert.Equal(3, invalidResponse.RawResponse!.Value[0].GetInt32());

        Assert.True(result.Step(1).Ok);
        var invalidCall = result.Step(2);
        Assert.False(invalidCall.Ok);
        Assert.Equal(SchemaViolation.ServerCall, invalidCall.Error!.Validation);
        Assert.Equal("one", invalidCall.Received!.Value.GetProperty("connectorId").GetString());

        var invalidRequest = result.Step(3);
        Assert.False(invalidRequest.Ok);
        Assert.Equal(SchemaViolation.OwnRequest, invalidRequest.Error!.Validation);
        Assert.False(invalidRequest.Error.IsEndpointSchemaViolation);
        Assert.DoesNotContain(result.Messages, m => !m.Inbound && m.Text.Contains("unexpected"));
    }

    [Fact]
    public async Task raw_frames_bypass_the_strict_client_and_return_the_raw_reply()
    {
        var result = await OcppRpcClient.RunAsync(For(V16,
            Step.Call("BootNotification", Boot(V16)),
            Step.Raw("""[2, "raw-1", "NoSuchAction", {}]"""),
            Step.Raw("this is not json"),
            Step.Raw("""[2, "raw-2", "Heartbeat", {}]""", separateConnection: true)));

        result.AssertAllStepsOk();
        var notImplemented = JsonDocument.Parse(result.Step(1).RawReply!).RootElement;
        Assert.Equal(4, notImplemented[0].GetInt32());
        Assert.Equal("raw-1", notImplemented[1].GetString());
        Assert.Equal("NotImplemented", notImplemented[2].GetString());
        Assert.Contains("RpcFrameworkError", result.Step(2).RawReply);
        Assert.StartsWith("""[3,"raw-2",""", result.Step(3).RawReply);
    }

    [Fact]
    public async Task basic_auth_is_sent_and_a_refused_upgrade_is_reported()
    {
        var locked = For(V201) with { Identity = "LOCKED-1" };

        var refused = await OcppRpcClient.RunAsync(locked with { Password = "wrong" });
        var admitted = await OcppRpcClient.RunAsync(locked with { Password = FakeCsms.Password, Steps = [Step.Call("Heartbeat")] });

        Assert.False(refused.Connected);
        Assert.Equal(401, refused.HttpStatus);
        admitted.AssertAllStepsOk();
    }

    [Fact]
    public async Task an_unusable_scenario_is_a_harness_failure()
    {
        var broken = For(V16, new ScenarioStep { Call = "Heartbeat", SleepMs = 5 });

        var failure = await Assert.ThrowsAsync<OcppHarnessException>(() => OcppRpcClient.RunAsync(broken));

        Assert.Contains("exactly one of", failure.Message);
    }
}
