using NodaTime;
using Settlement.Ocpp.Commands;
using Settlement.Ocpp.Framing;

namespace Settlement.Tests.Firmware;

/// <summary>UpdateFirmware in each protocol's words, every payload checked against the official schema as the handler does before sending.</summary>
public sealed class update_firmware_command_api_tests
{
    private static readonly Instant RetrieveAt = Instant.FromUtc(2026, 12, 6, 2, 0);
    private static readonly Uri Location = new("https://firmware.example/acme/2.4.1.bin");

    [Fact]
    public void a_2_0_1_charger_is_sent_the_signed_firmware_fields_and_a_request_id()
    {
        var command = new UpdateFirmware("CP-1", Location, RetrieveAt)
        {
            Signature = "c2lnbmF0dXJl", SigningCertificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", Retries = 3, RetryIntervalSeconds = 60,
        };

        var (action, payload) = CommandTranslation.For(command, OcppProtocol.Ocpp201);

        Assert.Equal("UpdateFirmware", action);
        Assert.Null(OcppSchemaValidator.Default.ValidateRequest(OcppProtocol.Ocpp201, action, payload));
        var firmware = payload["firmware"]!.AsObject();
        Assert.Equal(Location.ToString(), firmware["location"]!.GetValue<string>());
        Assert.Equal("2026-12-06T02:00:00Z", firmware["retrieveDateTime"]!.GetValue<string>());
        Assert.Equal("c2lnbmF0dXJl", firmware["signature"]!.GetValue<string>());
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", firmware["signingCertificate"]!.GetValue<string>());
        Assert.True(payload["requestId"]!.GetValue<int>() > 0);
        Assert.Equal(3, payload["retries"]!.GetValue<int>());
        Assert.Equal(60, payload["retryInterval"]!.GetValue<int>());
    }

    [Fact]
    public void an_unsigned_image_leaves_the_signature_fields_out()
    {
        var (action, payload) = CommandTranslation.For(new UpdateFirmware("CP-1", Location, RetrieveAt), OcppProtocol.Ocpp201);

        Assert.Null(OcppSchemaValidator.Default.ValidateRequest(OcppProtocol.Ocpp201, action, payload));
        Assert.Equal(["location", "retrieveDateTime"], payload["firmware"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["requestId", "firmware"], payload.Select(p => p.Key));
    }

    [Fact]
    public void a_1_6_charger_gets_the_plain_update_with_its_retries_and_no_signature()
    {
        var command = new UpdateFirmware("CP-1", Location, RetrieveAt) { Signature = "c2lnbmF0dXJl", SigningCertificate = "PEM", Retries = 2, RetryIntervalSeconds = 30 };

        var (action, payload) = CommandTranslation.For(command, OcppProtocol.Ocpp16);

        Assert.Equal("UpdateFirmware", action);
        Assert.Null(OcppSchemaValidator.Default.ValidateRequest(OcppProtocol.Ocpp16, action, payload));
        Assert.Equal(["location", "retrieveDate", "retries", "retryInterval"], payload.Select(p => p.Key));
        Assert.Equal("2026-12-06T02:00:00Z", payload["retrieveDate"]!.GetValue<string>());
    }
}
