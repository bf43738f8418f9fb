using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Marten;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Ledger;
using Settlement.Ocpp.Security;
using Settlement.Projections.Chargers;

namespace Settlement.Tests.Ocpp.Security;

/// <summary>OCPP HTTP Basic logins: old hashes upgraded, remembered verifications forgotten with the password, guessing slowed down.</summary>
[Collection(LedgerCollection.Name)]
public sealed class charger_login_tests(LedgerDatabase db)
{
    private static async Task<(HttpStatusCode Status, string? RetryAfter)> Handshake(TestHost host, string identity, string password)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.AddSubProtocol("ocpp1.6");
        socket.Options.SetRequestHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{identity}:{password}")));
        try
        {
            await socket.ConnectAsync(new Uri(host.Endpoint, identity), CancellationToken.None);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            return (socket.HttpStatusCode, null);
        }
        catch (WebSocketException)
        {
            var retryAfter = socket.HttpResponseHeaders?.FirstOrDefault(h => h.Key.Equals("Retry-After", StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
            return (socket.HttpStatusCode, retryAfter);
        }
    }

    private static async Task<ChargerEntry?> EntryAsync(TestHost host, string chargerId)
    {
        await using var query = host.Ledger.QueryReadModels();
        return await query.LoadAsync<ChargerEntry>(StreamIds.Charger(chargerId));
    }

    [Fact]
    public async Task a_charger_logging_in_against_an_old_hash_gets_its_password_rehashed_on_its_stream()
    {
        await using var host = await new TestHost(db).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16, password: null);
        var old = password_hash_strength_tests.OldHash(TestHost.Password);
        await host.Ledger.AppendAsync(new StreamAppend(StreamIds.Charger(charger),
            [new PendingEvent(new ChargerCredentialsSet(charger, old, NodaTime.SystemClock.Instance.GetCurrentInstant()),
                EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "tests"), NodaTime.SystemClock.Instance.GetCurrentInstant()))]));

        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await Handshake(host, charger, TestHost.Password)).Status);

        RecordedEvent? rehashed = null;
        for (var i = 0; i < 200 && rehashed is null; i++, await Task.Delay(50))
            rehashed = (await host.ChargerEventsAsync(charger)).LastOrDefault(e => e.Data is ChargerCredentialsRehashed);
        Assert.NotNull(rehashed);
        Assert.Equal(CredentialUpgrades.Actor, rehashed.Metadata.Actor);
        var upgraded = ((ChargerCredentialsRehashed)rehashed.Data).PasswordHash;
        Assert.True(PasswordHasher.Verify(TestHost.Password, upgraded));
        Assert.Equal(upgraded, (await EntryAsync(host, charger))!.PasswordHash);
        Assert.StartsWith($"pbkdf2-sha256${PasswordHasher.Iterations}$", upgraded);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await Handshake(host, charger, TestHost.Password)).Status);
        Assert.Single(await host.ChargerEventsAsync(charger), e => e.Data is ChargerCredentialsRehashed);
    }

    [Fact]
    public async Task a_remembered_password_stops_working_when_the_operator_sets_a_new_one()
    {
        await using var host = await new TestHost(db).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await Handshake(host, charger, TestHost.Password)).Status);

        var set = await host.Http.PutAsJsonAsync($"/api/chargers/{charger}/credentials", new { password = "the-operators-new-password" });

        Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Handshake(host, charger, TestHost.Password)).Status);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await Handshake(host, charger, "the-operators-new-password")).Status);
    }

    [Fact]
    public async Task three_hundred_wrong_passwords_in_a_row_meet_a_slowdown_that_refuses_even_the_right_one_unread()
    {
        await using var host = await new TestHost(db).StartAsync();
        var charger = await host.RegisterChargerAsync(OcppVersion.Ocpp16);

        var answers = new List<HttpStatusCode>();
        string? retryAfter = null;
        for (var i = 0; i < 300; i++)
        {
            var (status, wait) = await Handshake(host, charger, $"guess-number-{i:D4}-xxxxxxxx");
            answers.Add(status);
            retryAfter ??= wait;
        }

        // The first FreeAttempts failures are answered; the last of them costs a second's wait, each further one twice the wait before.
        Assert.All(answers.Take(FailedLogins.FreeAttempts), status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[FailedLogins.FreeAttempts]);
        Assert.True(answers.Count(s => s == HttpStatusCode.TooManyRequests) > 280, string.Join(", ", answers.GroupBy(s => s).Select(g => $"{g.Key}: {g.Count()}")));
        Assert.True(int.Parse(retryAfter!) > 0);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Handshake(host, charger, TestHost.Password)).Status);
    }

    [Fact]
    public async Task guessing_across_many_charger_ids_from_one_address_is_slowed_down_too()
    {
        await using var host = await new TestHost(db).StartAsync();
        var chargers = new List<string>();
        for (var i = 0; i < FailedLogins.FreeAttempts + 1; i++) chargers.Add(await host.RegisterChargerAsync(OcppVersion.Ocpp16));

        var answers = new List<HttpStatusCode>();
        foreach (var charger in chargers) answers.Add((await Handshake(host, charger, "a-wrong-password-each-time")).Status);

        Assert.All(answers.SkipLast(1), status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[^1]);
    }

    [Fact]
    public async Task the_charger_list_says_whether_a_password_is_set_and_no_response_carries_its_hash()
    {
        await using var host = await new TestHost(db).StartAsync();
        var withPassword = await host.RegisterChargerAsync(OcppVersion.Ocpp201);
        var withoutPassword = await host.RegisterChargerAsync(OcppVersion.Ocpp201, password: null);

        var list = await host.Http.GetStringAsync("/api/chargers?limit=1000");
        var stream = await host.Http.GetStringAsync($"/api/streams/{StreamIds.Charger(withPassword)}");

        var chargers = new Dictionary<string, JsonElement>();
        foreach (var id in new[] { withPassword, withoutPassword })
            chargers[id] = JsonDocument.Parse(await host.Http.GetStringAsync($"/api/chargers/{id}")).RootElement;
        Assert.True(chargers[withPassword].GetProperty("passwordSet").GetBoolean());
        Assert.False(chargers[withoutPassword].GetProperty("passwordSet").GetBoolean());
        Assert.False(chargers[withPassword].TryGetProperty("passwordHash", out _));
        Assert.DoesNotContain("pbkdf2", list + stream);
        var credentials = JsonDocument.Parse(stream).RootElement.EnumerateArray().Single(e => e.GetProperty("type").GetString() == "charger_credentials_set_v1");
        Assert.Equal(SecretAttribute.Marker, credentials.GetProperty("data").GetProperty("passwordHash").GetString());
    }

    [Theory]
    [InlineData(OcppVersion.Ocpp16, "AuthorizationKey")]
    [InlineData(OcppVersion.Ocpp201, "SecurityCtrlr/BasicAuthPassword")]
    public async Task a_password_a_command_sets_on_a_charger_is_sent_to_it_but_never_recorded(OcppVersion protocol, string setting)
    {
        await using var host = await new TestHost(db, new Settlement.Ocpp.OcppOptions { CallTimeoutSeconds = 1 }).StartAsync();
        var charger = await host.RegisterChargerAsync(protocol);
        await using var client = await RawOcppClient.ConnectAsync(host.Endpoint, charger, protocol == OcppVersion.Ocpp16 ? "ocpp1.6" : "ocpp2.0.1");
        const string secret = "a-new-password-for-the-charger";

        var sent = host.Http.PostAsJsonAsync($"/api/chargers/{charger}/commands/change-setting", new { key = setting, value = secret });
        Assert.Contains(secret, await client.ReceiveAsync());
        await sent;

        var issued = Assert.Single((await host.ChargerEventsAsync(charger)).Select(e => e.Data).OfType<CommandIssuedV2>());
        Assert.DoesNotContain(secret, issued.PayloadJson);
        Assert.Contains(SecretAttribute.Marker, issued.PayloadJson);
        Assert.DoesNotContain(secret, await host.Http.GetStringAsync($"/api/streams/{StreamIds.Charger(charger)}"));
    }
}
