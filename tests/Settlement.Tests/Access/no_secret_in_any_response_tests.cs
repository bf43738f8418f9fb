using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Domain.Access;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Host.Access;
using Settlement.Projections.Access;

namespace Settlement.Tests.Access;

/// <summary>
/// Every GET endpoint the host maps, called with the ids of a charger that has a password and of API keys, as the
/// top-level operator (who sees the most): no answer carries a password, a key, or a hash or verifier of either.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed partial class no_secret_in_any_response_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await new TestHost(db).StartAsync();

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    [Fact]
    public async Task no_get_endpoint_answers_with_a_secret_or_its_hash()
    {
        var chargerId = await _host.RegisterChargerAsync(OcppVersion.Ocpp201);
        var auditorKey = await _host.CreateKeyAsync(AccessRole.Auditor, name: "scan");
        var auditorKeyId = ApiKeySecrets.KeyIdOf(auditorKey)!;
        var secrets = await SecretsAsync(chargerId, [_host.OperatorKey, auditorKey]);

        var values = new Dictionary<string, string[]>
        {
            ["chargerId"] = [chargerId],
            ["streamId"] = [StreamIds.Charger(chargerId), StreamIds.ApiKey(auditorKeyId), StreamIds.ApiKey(ApiKeySecrets.KeyIdOf(_host.OperatorKey)!)],
            ["keyId"] = [auditorKeyId],
            ["evseId"] = ["1"],
            ["siteId"] = ["TEST-SITE"],
        };
        var leaks = new List<string>();
        var called = 0;
        foreach (var route in _host.Services.GetRequiredService<EndpointDataSource>().Endpoints.Select(ApiAccess.EndpointName).OfType<string>()
                     .Where(e => e.StartsWith("GET /", StringComparison.Ordinal) && !e.StartsWith("GET /ocpp/", StringComparison.Ordinal)).Distinct())
        {
            foreach (var path in Paths(route[4..], values))
            {
                using var response = await _host.Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
                var answer = response.Headers + "\n" + await BodyAsync(response);
                called++;
                leaks.AddRange(secrets.Where(secret => answer.Contains(secret.Value, StringComparison.Ordinal)).Select(secret => $"{path}: {secret.Key}"));
            }
        }
        Assert.True(called > 20, $"only {called} calls made");
        Assert.True(leaks.Count == 0, string.Join(Environment.NewLine, leaks));
    }

    /// <summary>The whole body, or an event stream's first event: the live stream's body has no end.</summary>
    private static async Task<string> BodyAsync(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream") return await response.Content.ReadAsStringAsync();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = new System.Text.StringBuilder();
        while (await reader.ReadLineAsync() is { Length: > 0 } line) first.AppendLine(line);
        return first.ToString();
    }

    /// <summary>What must never be answered: the password, its stored hash and the hash's parts; each key, its secret part and its verifier.</summary>
    private async Task<Dictionary<string, string>> SecretsAsync(string chargerId, IReadOnlyList<string> keys)
    {
        var secrets = new Dictionary<string, string> { ["charger password"] = TestHost.Password };
        var stored = (await _host.ChargerEventsAsync(chargerId)).Select(e => e.Data).OfType<ChargerCredentialsSet>().Single().PasswordHash;
        secrets["password hash"] = stored;
        foreach (var (part, index) in stored.Split('$').Skip(2).Select((p, i) => (p, i))) secrets[$"password hash part {index}"] = part;
        await using var query = _host.Ledger.QueryReadModels();
        foreach (var key in keys)
        {
            var keyId = ApiKeySecrets.KeyIdOf(key)!;
            secrets[$"key {keyId}"] = key;
            secrets[$"key {keyId} secret"] = key[(ApiKeySecrets.Prefix.Length + 13)..];
            var verifier = (await query.LoadAsync<ApiKeyEntry>(StreamIds.ApiKey(keyId)))!.SecretVerifier;
            secrets[$"key {keyId} verifier"] = verifier[(verifier.IndexOf('$') + 1)..];
        }
        return secrets;
    }

    private static IEnumerable<string> Paths(string route, IReadOnlyDictionary<string, string[]> values)
    {
        var parameter = RouteParameter().Match(route);
        if (!parameter.Success)
        {
            yield return route;
            yield break;
        }
        var candidates = values.TryGetValue(parameter.Groups["name"].Value, out var known) ? known
            : parameter.Groups["constraint"].Value is "int" or "long" ? ["1"] : ["probe"];
        foreach (var candidate in candidates)
        foreach (var path in Paths(route[..parameter.Index] + Uri.EscapeDataString(candidate) + route[(parameter.Index + parameter.Length)..], values))
            yield return path;
    }

    [GeneratedRegex(@"\{(?<name>[^}:]+)(:(?<constraint>[^}]+))?\}")]
    private static partial Regex RouteParameter();
}
