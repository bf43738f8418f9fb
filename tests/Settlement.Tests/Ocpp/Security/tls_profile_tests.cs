using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Settlement.Domain.Chargers;
using Settlement.Ocpp;

namespace Settlement.Tests.Ocpp.Security;

[Collection(LedgerCollection.Name)]
public sealed class tls_profile_tests(LedgerDatabase db)
{
    private static readonly X509Certificate2 Authority = TestCertificates.Authority();
    private static readonly X509Certificate2 ServerCertificate = TestCertificates.Server(Authority);

    private static Action<ClientWebSocketOptions> Tls(X509Certificate2? clientCertificate = null) => options =>
    {
        // The charger trusts our server certificate, as a real one trusts the CSMS root it was given.
        options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == ServerCertificate.GetCertHashString();
        if (clientCertificate is not null) options.ClientCertificates.Add(clientCertificate);
    };

    private static async Task<bool> Accepted(Uri endpoint, string identity, string? password, Action<ClientWebSocketOptions> tls)
    {
        try
        {
            await using var client = await RawOcppClient.ConnectAsync(endpoint, identity, "ocpp2.0.1", password, tls);
            var reply = await client.CallAsync("Heartbeat", []);
            return reply[0]!.GetValue<int>() == 3;
        }
        catch (WebSocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task profile_2_tls_with_basic_auth_accepts_the_right_password_only()
    {
        await using var host = await new TestHost(db, new OcppOptions { RequireTls = true }, ServerCertificate).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp201);

        Assert.Equal("wss", host.Endpoint.Scheme);
        Assert.True(await Accepted(host.Endpoint, charger, TestHost.Password, Tls()));
        Assert.False(await Accepted(host.Endpoint, charger, "a-wrong-password-of-length", Tls()));
    }

    [Fact]
    public async Task a_central_system_requiring_tls_refuses_plain_websockets()
    {
        await using var host = await new TestHost(db, new OcppOptions { RequireTls = true }).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp201);

        Assert.False(await Accepted(host.Endpoint, charger, TestHost.Password, _ => { }));
    }

    [Fact]
    public async Task profile_3_a_client_certificate_from_the_charger_ca_naming_the_charger_needs_no_password()
    {
        await using var host = await new TestHost(db, new OcppOptions { RequireTls = true, ChargerCertificateAuthority = Authority }, ServerCertificate).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp201, password: null);
        var other = await host.RegisterChargerAsync(OcppVersion.Ocpp201, password: null);
        var foreignAuthority = TestCertificates.Authority("Someone Else's CA");

        Assert.True(await Accepted(host.Endpoint, charger, null, Tls(TestCertificates.Charger(Authority, charger))));
        Assert.False(await Accepted(host.Endpoint, charger, null, Tls(TestCertificates.Charger(Authority, other))));
        Assert.False(await Accepted(host.Endpoint, charger, null, Tls(TestCertificates.Charger(foreignAuthority, charger))));
        Assert.False(await Accepted(host.Endpoint, charger, null, Tls()));
    }
}
