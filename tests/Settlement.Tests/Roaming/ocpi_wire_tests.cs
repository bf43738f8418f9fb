using System.Net;
using System.Text.RegularExpressions;
using Settlement.Domain.Roaming;
using Settlement.Workbench.Roaming;

namespace Settlement.Tests.Roaming;

/// <summary>The conventions every OCPI module shares: the token, the envelope, the request ids, the routing headers and the message log.</summary>
[Collection(LedgerCollection.Name)]
public sealed partial class ocpi_wire_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;
    private EmspDouble _emsp = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _emsp = await OcpiTestPartner.StartEmspAsync();
            await OcpiTestPartner.RegisterDirectlyAsync(_host, _emsp);
        });
    }

    public async Task DisposeAsync()
    {
        await _emsp.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task a_registered_partner_reads_our_versions_in_the_envelope_with_its_ids_echoed()
    {
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ocpi/versions");
        request.Headers.Add("X-Request-ID", "req-1");
        request.Headers.Add("X-Correlation-ID", "corr-1");
        request.Headers.Add("OCPI-from-country-code", "NL");
        request.Headers.Add("OCPI-from-party-id", "EMS");
        request.Headers.Add("OCPI-to-country-code", "DE");
        request.Headers.Add("OCPI-to-party-id", "STL");

        using var response = await client.SendAsync(request);
        var envelope = await OcpiTestPartner.EnvelopeAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1000, (int)envelope["status_code"]!);
        Assert.Equal("2.2.1", (string)envelope["data"]![0]!["version"]!);
        Assert.EndsWith("/ocpi/2.2.1", (string)envelope["data"]![0]!["url"]!);
        Assert.Matches(OcpiDateTime(), (string)envelope["timestamp"]!);
        Assert.Equal("req-1", response.Headers.GetValues("X-Request-ID").Single());
        Assert.Equal("corr-1", response.Headers.GetValues("X-Correlation-ID").Single());
        Assert.Equal("NL", response.Headers.GetValues("OCPI-to-country-code").Single());
        Assert.Equal("EMS", response.Headers.GetValues("OCPI-to-party-id").Single());
        Assert.Equal("DE", response.Headers.GetValues("OCPI-from-country-code").Single());
    }

    [Fact]
    public async Task every_message_a_partner_sends_is_recorded_before_it_is_answered()
    {
        using var client = OcpiTestPartner.Client(_host, _emsp.TokenC);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ocpi/2.2.1");
        request.Headers.Add("X-Request-ID", "req-logged");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var logged = (await _host.Ledger.ReadStreamAsync(OcpiIds.MessageStream(_emsp.PartnerId)))
            .Select(e => e.Data).OfType<OcpiMessageExchanged>().Single(m => m.RequestId == "req-logged");
        Assert.Equal(("versions", OcpiDirection.Inbound, "GET", 200, 1000, OcpiOutcome.Accepted),
            (logged.Module, logged.Direction, logged.Method, logged.HttpStatus, logged.OcpiStatus!.Value, logged.Outcome));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("stl_aaaaaaaaaaaa_0000000000000000000000000000000000000000000")]
    [InlineData("not even a token")]
    public async Task a_call_without_a_partners_token_is_401_in_the_envelope(string? token)
    {
        using var client = OcpiTestPartner.Client(_host, token);

        using var response = await client.GetAsync("/ocpi/versions");
        var envelope = await OcpiTestPartner.EnvelopeAsync(response);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(2000, (int)envelope["status_code"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)envelope["status_message"]));
    }

    [Fact]
    public async Task the_operators_own_api_key_is_no_ocpi_token()
    {
        using var client = OcpiTestPartner.Client(_host, _host.OperatorKey);

        using var response = await client.GetAsync("/ocpi/versions");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    private static partial Regex OcpiDateTime();
}
