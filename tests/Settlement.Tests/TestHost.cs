using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Domain.Access;
using Settlement.Host;
using Settlement.Host.Access;
using Settlement.Ledger;
using Settlement.Ocpp;
using Settlement.Ocpp.Connections;
using Settlement.Ocpp.Security;
using Settlement.Tests.Ocpp.Client;

namespace Settlement.Tests;

/// <summary>
/// The one API fixture: the real host (REST, OCPP WebSockets, jobs) on a free loopback port, over the test run's
/// ledger database; with a ledger of its own it is one node of a cluster sharing that database.
/// </summary>
/// <param name="settings">Host settings (e.g. <c>Audit:CheckpointCron</c>), read once when the host is built.</param>
/// <param name="unknownTokens">
/// Overrides <see cref="OcppOptions.UnknownTokens"/>: accepted unless a test is about authorisation, since most tests
/// start sessions with made-up idTags they never register.
/// </param>
/// <param name="sendLocalLists">
/// Overrides <see cref="OcppOptions.SendLocalLists"/>: off unless a test is about local lists, so that chargers in other
/// tests are not sent GetLocalListVersion and SendLocalList calls they do not expect.
/// </param>
public sealed class TestHost(LedgerDatabase db, OcppOptions? options = null, X509Certificate2? serverCertificate = null,
    Settlement.Ledger.Ledger? ledger = null, IReadOnlyDictionary<string, string?>? settings = null,
    Settlement.Domain.Drivers.UnknownTokenPolicy unknownTokens = Settlement.Domain.Drivers.UnknownTokenPolicy.Accept, bool sendLocalLists = false) : IAsyncDisposable
{
    public const string Password = "correct-horse-battery-staple-42";

    /// <summary>Off unless a test's settings turn it on (<see cref="WithBalancer"/>).</summary>
    public const string BalancerSetting = "LoadBalancing:Run";

    public static readonly IReadOnlyDictionary<string, string?> WithBalancer = new Dictionary<string, string?> { [BalancerSetting] = "true" };

    /// <summary>Off unless a test's settings turn it on: a self-healer would act on every other test's chargers in the shared ledger.</summary>
    public const string SelfHealerSetting = "SelfHealing:Run";

    /// <summary>Off unless a test's settings turn it on, for the same reason.</summary>
    public const string RolloutRunnerSetting = "Firmware:Run";

    /// <summary>
    /// <see cref="Password"/> hashed once per test run: the KDF is slow on purpose, and every test charger shares
    /// the hash (so a host verifies it once, then remembers it).
    /// </summary>
    public static string PasswordHash => SharedHash.Value;
    private static readonly Lazy<string> SharedHash = new(() => PasswordHasher.Hash(Password));
    private WebApplication? _app;

    public Settlement.Ledger.Ledger Ledger { get; } = ledger ?? db.Ledger;
    public Uri Endpoint { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public IServiceProvider Services => _app!.Services;

    public async Task<TestHost> StartAsync()
    {
        var scheme = serverCertificate is null ? "http" : "https";
        _app = Build($"{scheme}://127.0.0.1:0");
        await _app.StartAsync();
        Endpoint = new Uri(_app.Urls.First().Replace("http://", "ws://").Replace("https://", "wss://") + "/ocpp/");
        OperatorKey = await CreateKeyAsync(AccessRole.Operator);
        Http = Client(OperatorKey);
        return this;
    }

    /// <summary>
    /// Runs a test class's further set-up on this host, disposing the host if it fails: xunit does not dispose a test
    /// class whose InitializeAsync threw, and a host left running keeps leading the shared ledger's projections and
    /// relays for every later test.
    /// </summary>
    public async Task DisposeOnFailureAsync(Func<Task> setUp)
    {
        try
        {
            await setUp();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>The top-level operator's key, which <see cref="Http"/> sends.</summary>
    public string OperatorKey { get; private set; } = null!;

    /// <summary>A new key of the role, for the sub-operator when one is named; returned in full, as it is shown once.</summary>
    public async Task<string> CreateKeyAsync(AccessRole role, string? operatorId = null, string name = "tests")
    {
        var issued = await new ApiKeyHandlers(Ledger, SystemClock.Instance)
            .Handle(new CreateApiKeyCommand(name, role, operatorId, new Actor(ActorKind.Operator, "tests")), default);
        Assert.False(issued.Decision.Refused, issued.Decision.Refusal?.Message);
        return issued.Key!;
    }

    /// <summary>A client of the host sending <paramref name="key"/>, or no key at all.</summary>
    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = new Uri(_app!.Urls.First()) };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>
    /// A site in central Munich registered through the API, as chargers registered through it need; registering an id
    /// again is refused as a conflict and leaves the site as it was, so tests sharing the ledger may all ask for TEST-MUC (DE-MUC is the demo's, which tests append to the same ledger).
    /// </summary>
    public async Task<string> RegisterSiteAsync(string siteId = "TEST-MUC")
    {
        var response = await Http.PostAsJsonAsync("/api/sites", new
        {
            siteId, name = "Munich test site", address = new { street = "Marienplatz 8", postalCode = "80331", city = "München", countryCode = "DE" },
            latitude = 48.1374m, longitude = 11.5755m, timeZone = "Europe/Berlin", gridCapacityKw = 800m,
        });
        Assert.True(response.StatusCode is System.Net.HttpStatusCode.Created or System.Net.HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
        return siteId;
    }

    /// <summary>A charger the operator registered, with a password (security profile 1).</summary>
    public async Task<string> RegisterChargerAsync(OcppVersion protocol, string? password = Password)
    {
        var id = "T" + Guid.NewGuid().ToString("N")[..10];
        var at = SystemClock.Instance.GetCurrentInstant();
        var metadata = new EventMetadata("setup", null, new Actor(ActorKind.Operator, "tests"), at);
        var events = new List<PendingEvent>
        {
            new(new ChargerRegistered(id, "TEST-SITE", "Acme", "Fast 150", protocol,
                [new EvseSpecification(1, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 150m)]),
                 new EvseSpecification(2, [new ConnectorSpecification(1, ConnectorStandard.Ccs2, 150m)])], at), metadata),
        };
        if (password is not null)
            events.Add(new PendingEvent(new ChargerCredentialsSet(id, password == Password ? PasswordHash : PasswordHasher.Hash(password), at), metadata));
        await Ledger.AppendAsync(new StreamAppend(StreamIds.Charger(id), events, 0));
        return id;
    }

    /// <summary>A charger registered here and played by the strict ocpp-rpc client through the steps, connected when this returns.</summary>
    public async Task<(Task<ScenarioResult> Charger, string Id)> ConnectStrictChargerAsync(OcppVersion version, params ScenarioStep[] steps)
    {
        var id = await RegisterChargerAsync(version);
        var charger = OcppRpcClient.RunAsync(new Scenario
        {
            Endpoint = Endpoint.ToString().TrimEnd('/'),
            Identity = id,
            Protocols = [version == OcppVersion.Ocpp16 ? "ocpp1.6" : "ocpp2.0.1"],
            Password = Password,
            Steps = [.. steps, Step.Close()],
        });
        var registry = Services.GetRequiredService<ConnectionRegistry>();
        // Node loading ocpp-rpc's schemas can take seconds on a busy machine.
        for (var i = 0; i < 600 && registry.Find(id) is null && !charger.IsCompleted; i++) await Task.Delay(50);
        Assert.True(registry.Find(id) is not null, $"the ocpp-rpc charger never connected: {(charger.IsCompleted ? await charger : "still starting")}");
        return (charger, id);
    }

    public async Task<IReadOnlyList<RecordedEvent>> ChargerEventsAsync(string chargerId) =>
        await Ledger.ReadStreamAsync(StreamIds.Charger(chargerId));

    public Task StopAsync() => _app!.StopAsync();

    /// <summary>
    /// The settings go in as environment variables, the host's own configuration source, for as long as it is
    /// built: the ledger tests run one at a time, so no other host sees them.
    /// </summary>
    private WebApplication Build(string url)
    {
        var given = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        // The tests share one ledger, where many define power models: a balancer in every host would append decisions
        // under tests that count what they append, and hosts would take its lead from each other. Its tests turn it on.
        given.TryAdd(BalancerSetting, "false");
        given.TryAdd(SelfHealerSetting, "false");
        given.TryAdd(RolloutRunnerSetting, "false");
        foreach (var (name, value) in given) Environment.SetEnvironmentVariable(name.Replace(":", "__"), value);
        try
        {
            var ocpp = options ?? new OcppOptions();
            ocpp.UnknownTokens = unknownTokens;
            ocpp.SendLocalLists = sendLocalLists;
            return SettlementHost.Build(Ledger, "test database", ocpp, serverCertificate, url);
        }
        finally
        {
            foreach (var name in given.Keys) Environment.SetEnvironmentVariable(name.Replace(":", "__"), null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        // Disposed at most once, though a failed set-up and the test class may both ask.
        if (Interlocked.Exchange(ref _app, null) is { } app) await app.DisposeAsync();
    }
}
