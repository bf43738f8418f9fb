using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Host.Access;
using Settlement.Host.Roaming;
using Settlement.Ledger;
using Settlement.Workbench.Roaming;

namespace Settlement.Tests.Roaming;

/// <summary>
/// A partner registered straight in the ledger (no handshake): the invitation, token C and the EMSP double's endpoints,
/// for tests about what comes after registration. The handshake itself is tested through OCPI.
/// </summary>
internal static class OcpiTestPartner
{
    public static readonly RoamingAgreement Agreement = new(15m, "EUR", SettlementPeriod.Monthly);

    /// <summary>
    /// An EMSP double with a party id of its own, so tests sharing the ledger do not share a partner. It unregisters
    /// when disposed: a partner left registered behind a closed port would be owed a push for every status change of
    /// every later test, and their retries would queue ahead of the pushes a later test waits for.
    /// </summary>
    public static Task<EmspDouble> StartEmspAsync() => EmspDouble.StartAsync(NextPartyId(), leaveOnDispose: true);

    private const string PartyIdCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static int _partiesStarted = Random.Shared.Next(PartyIdCharacters.Length * PartyIdCharacters.Length);

    // Counted, not drawn: a hundred random three-character ids in one run collide often enough to fail a test
    // whose partner stream (expected new) was already taken by another test's partner.
    private static string NextPartyId()
    {
        var number = Interlocked.Increment(ref _partiesStarted);
        return string.Concat(Enumerable.Range(0, 3).Reverse().Select(place =>
            PartyIdCharacters[number / (int)Math.Pow(PartyIdCharacters.Length, place) % PartyIdCharacters.Length]));
    }

    /// <summary>Registers <paramref name="emsp"/> with the host and hands it its token C and our endpoints.</summary>
    public static async Task RegisterDirectlyAsync(TestHost host, EmspDouble emsp, RoamingAgreement? agreement = null)
    {
        var tokenA = await PartnerKeyAsync(host, "OCPI token A for the EMSP double");
        var tokenC = await PartnerKeyAsync(host, "OCPI token C for the EMSP double");
        var now = SystemClock.Instance.GetCurrentInstant();
        var metadata = EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "tests"), now);
        await host.Ledger.AppendAsync(StreamAppend.New(OcpiIds.PartnerStream(emsp.PartnerId),
            new PendingEvent(new RoamingPartnerInvited(emsp.PartnerId, "EMSP Double", ApiKeySecrets.KeyIdOf(tokenA)!, agreement ?? Agreement, now), metadata),
            new PendingEvent(new OcpiCredentialsExchanged(emsp.PartnerId, "2.2.1", $"{emsp.BaseUrl}/ocpi/versions",
                [new OcpiPartyRole(EmspDouble.CountryCode, emsp.PartyId, PartnerRole.Emsp, "EMSP Double")],
                [.. emsp.Modules.Select(m => new OcpiEndpoint(m.Module, Enum.Parse<OcpiInterfaceRole>(m.Role, ignoreCase: true), m.Url))],
                host.Ledger.PartnerSecrets.Seal(emsp.PartnerId, emsp.TokenB), ApiKeySecrets.KeyIdOf(tokenC)!, now), metadata)));
        var baseUrl = host.Http.BaseAddress!.ToString().TrimEnd('/');
        emsp.AdoptRegistration(tokenC, OcpiRoutes.Modules.ToDictionary(m => m.Module, m => $"{baseUrl}{OcpiRoutes.VersionPath}/{m.Module}"));
    }

    /// <summary>A key of role Partner, as the handshake issues them (the API refuses to create one).</summary>
    public static async Task<string> PartnerKeyAsync(TestHost host, string name)
    {
        var keyId = ApiKeySecrets.NewKeyId();
        var key = ApiKeySecrets.NewKey(keyId);
        var now = SystemClock.Instance.GetCurrentInstant();
        await host.Ledger.AppendAsync(StreamAppend.New(StreamIds.ApiKey(keyId),
            new PendingEvent(new ApiKeyCreated(keyId, name, AccessRole.Partner, null, ApiKeySecrets.Verifier(key), now),
                EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "tests"), now))));
        return key;
    }

    /// <summary>A client calling the host's OCPI endpoints with <paramref name="token"/> as OCPI 2.2.1 sends it.</summary>
    public static HttpClient Client(TestHost host, string? token)
    {
        var client = host.Client(null);
        if (token is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", Convert.ToBase64String(Encoding.UTF8.GetBytes(token)));
        return client;
    }

    public static async Task<JsonObject> EnvelopeAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject
            ?? throw new InvalidDataException($"HTTP {(int)response.StatusCode} without a JSON object body.");
}
