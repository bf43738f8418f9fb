using System.Text.Json.Nodes;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Settlement.Domain.Deciding;
using Settlement.Domain.Roaming;
using Settlement.Host.Roaming.Ocpi;

namespace Settlement.Host.Roaming;

/// <summary>
/// OCPI 2.2.1 credentials, we as the receiver of the registration (part "Credentials"): the partner POSTs its
/// credentials with token A, we read its versions and version details with its token B, and answer token C; PUT
/// repeats the exchange and rotates C; DELETE ends the registration; GET shows our credentials. Registration and its
/// tokens are appended in one batch (<see cref="PartnerHandlers"/>): a partner that cannot be reached, offers no 2.2.1
/// or offers another party's identity leaves nothing behind but the messages exchanged.
/// </summary>
public static class CredentialsModule
{
    public const string Module = "credentials";
    public const int MaxTokenLength = 64;

    /// <summary>OCPI's Role: only CPO, EMSP and HUB are parties we settle with; a partner's other roles are not kept.</summary>
    public enum OcpiRole { Cpo, Emsp, Hub, Nap, Nsp, Other, Scsp }

    public sealed record BusinessDetails(string Name, string? Website = null);

    public sealed record CredentialsRole(OcpiRole Role, BusinessDetails BusinessDetails, string PartyId, string CountryCode);

    /// <summary>OCPI's Credentials object, theirs in a request body and ours in an answer.</summary>
    public sealed record Credentials(string Token, string Url, IReadOnlyList<CredentialsRole> Roles);

    /// <summary>What the partner's version details told us: the version we speak and its endpoints.</summary>
    private sealed record PartnerVersion(string Version, IReadOnlyList<OcpiEndpoint> Endpoints);

    public static void MapCredentials(this IEndpointRouteBuilder ocpi)
    {
        var metadata = new OcpiModuleMetadata(Module, OpenToTokenA: true);
        var path = $"/{OcpiRoutes.Version}/{Module}";
        ocpi.MapGet(path, (HttpContext context, OcpiOptions options) =>
            OcpiResults.Ok(Ours(OcpiAccess.PresentedToken(context.Request)!, context, options))).WithMetadata(metadata);
        ocpi.MapPost(path, RegisterAsync).WithMetadata(metadata);
        ocpi.MapPut(path, UpdateAsync).WithMetadata(metadata);
        ocpi.MapDelete(path, async (HttpContext context, IMediator mediator, CancellationToken ct) =>
        {
            var caller = context.OcpiCaller();
            if (caller.ByTokenA) return NotRegistered("DELETE");
            return await mediator.Send(new UnregisterPartnerCommand(caller.PartnerId, "the partner unregistered (OCPI DELETE credentials)", caller.Actor), ct)
                is { Refusal: { } refusal }
                ? OcpiResults.Error(StatusCodes.Status405MethodNotAllowed, OcpiStatus.ClientError, refusal.Message)
                : OcpiResults.Ok(null);
        }).WithMetadata(metadata);
    }

    private static async Task<IResult> RegisterAsync(HttpContext context, OcpiClient client, OcpiOptions options, IMediator mediator, CancellationToken ct)
    {
        var caller = context.OcpiCaller();
        if (!caller.ByTokenA)
            return OcpiResults.Error(StatusCodes.Status405MethodNotAllowed, OcpiStatus.ClientError,
                "You are registered already: send new credentials with PUT, or DELETE to unregister.");
        var (offered, refused) = await OfferAsync(context, caller);
        if (refused is not null) return refused;
        var (version, unusable) = await ReadVersionAsync(client, caller, offered!, ct);
        if (unusable is not null) return unusable;
        var issued = await mediator.Send(new RegisterPartnerCommand(caller.PartnerId, version!.Version, offered!.Url, Roles(offered), version.Endpoints,
            offered.Token, caller.Actor), ct);
        return issued.Decision.Refusal is { } refusal ? Refused(refusal) : OcpiResults.Ok(Ours(issued.Token!, context, options));
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, OcpiClient client, OcpiOptions options, IMediator mediator, CancellationToken ct)
    {
        var caller = context.OcpiCaller();
        if (caller.ByTokenA) return NotRegistered("PUT");
        var (offered, refused) = await OfferAsync(context, caller);
        if (refused is not null) return refused;
        var (version, unusable) = await ReadVersionAsync(client, caller, offered!, ct);
        if (unusable is not null) return unusable;
        var issued = await mediator.Send(new UpdatePartnerCredentialsCommand(caller.PartnerId, version!.Version, offered!.Url, Roles(offered), version.Endpoints,
            offered.Token, caller.Actor), ct);
        return issued.Decision.Refusal is { } refusal ? Refused(refusal) : OcpiResults.Ok(Ours(issued.Token!, context, options));
    }

    /// <summary>The partner's credentials, bounded as OCPI types them and checked against its invitation before we call anything it names.</summary>
    private static async Task<(Credentials? Offered, IResult? Refusal)> OfferAsync(HttpContext context, OcpiCaller caller)
    {
        var (body, refusal) = await OcpiBody.ReadAsync<Credentials>(context.Request);
        if (refusal is not null) return (null, refusal);
        var problems = new List<string>();
        if (body!.Token.Length is 0 or > MaxTokenLength || body.Token.Any(c => c is < '!' or > '~'))
            problems.Add($"token: 1 to {MaxTokenLength} printable ASCII characters without spaces, the token B we are to call you with");
        if (!IsHttpUrl(body.Url))
            problems.Add($"url: the absolute http(s) URL of your versions endpoint, at most {RoamingPartners.MaxUrlLength} characters");
        if (body.Roles.Count is 0 or > RoamingPartners.MaxRoles)
            problems.Add($"roles: 1 to {RoamingPartners.MaxRoles} roles");
        foreach (var (role, i) in body.Roles.Select((r, i) => (r, i)))
        {
            if (role.CountryCode.Length != 2 || !role.CountryCode.All(char.IsAsciiLetter))
                problems.Add($"roles[{i}].country_code: two letters, ISO 3166-1 alpha-2, e.g. \"NL\"");
            if (role.PartyId.Length != 3 || !role.PartyId.All(char.IsAsciiLetterOrDigit))
                problems.Add($"roles[{i}].party_id: three letters or digits, e.g. \"EMS\"");
            if (string.IsNullOrWhiteSpace(role.BusinessDetails.Name) || role.BusinessDetails.Name.Length > RoamingPartners.MaxNameLength)
                problems.Add($"roles[{i}].business_details.name: 1 to {RoamingPartners.MaxNameLength} characters");
        }
        if (problems.Count > 0) return (null, OcpiResults.InvalidParameters($"The credentials are not valid: {string.Join("; ", problems)}."));
        if (RoamingPartners.OfferRefusal(caller.PartnerId, Roles(body)) is { } offer) return (null, OcpiResults.InvalidParameters(offer.Message));
        return (body, null);
    }

    /// <summary>GET their versions, then 2.2.1's details, with the token B they offered: 3001 when either cannot be used, 3002 without 2.2.1.</summary>
    private static async Task<(PartnerVersion? Version, IResult? Refusal)> ReadVersionAsync(OcpiClient client, OcpiCaller caller, Credentials offered, CancellationToken ct)
    {
        var them = offered.Roles.Select(r => (CountryCode: r.CountryCode.ToUpperInvariant(), PartyId: r.PartyId.ToUpperInvariant()))
            .First(r => OcpiIds.PartnerId(r.CountryCode, r.PartyId) == caller.PartnerId);
        var versions = await client.SendWithTokenAsync(caller.PartnerId, offered.Token, "versions", HttpMethod.Get, offered.Url, null, null, caller.CorrelationId, them, ct);
        if (!versions.Accepted) return (null, Unusable($"Your versions at {offered.Url} could not be read with the token you gave: {versions.Describe()}."));
        if (versions.Data is not JsonArray listed)
            return (null, Unusable($"Your versions at {offered.Url} answered no list of versions in data."));
        var offeredVersions = listed.OfType<JsonObject>().Select(v => (Version: Text(v["version"]), Url: Text(v["url"]))).ToList();
        if (offeredVersions.FirstOrDefault(v => v.Version == RoamingPartners.SupportedVersion).Url is not { } detailsUrl)
            return (null, OcpiResults.Error(StatusCodes.Status200OK, OcpiStatus.UnsupportedVersion,
                $"We speak OCPI {RoamingPartners.SupportedVersion} only; your versions list {string.Join(", ", offeredVersions.Select(v => v.Version ?? "(none)"))}."));
        if (!IsHttpUrl(detailsUrl)) return (null, Unusable($"Your versions name {RoamingPartners.SupportedVersion}'s details at '{detailsUrl}', which is no http(s) URL."));
        var details = await client.SendWithTokenAsync(caller.PartnerId, offered.Token, "versions", HttpMethod.Get, detailsUrl, null, null, caller.CorrelationId, them, ct);
        if (!details.Accepted) return (null, Unusable($"Your version details at {detailsUrl} could not be read: {details.Describe()}."));
        if (details.Data?["endpoints"] is not JsonArray listedEndpoints || listedEndpoints.Count > RoamingPartners.MaxEndpoints)
            return (null, Unusable($"Your version details at {detailsUrl} list no endpoints, or more than {RoamingPartners.MaxEndpoints}."));
        var endpoints = new List<OcpiEndpoint>();
        foreach (var (node, i) in listedEndpoints.Select((e, i) => (e, i)))
        {
            var identifier = Text(node?["identifier"]);
            var role = Text(node?["role"]) switch { "SENDER" => OcpiInterfaceRole.Sender, "RECEIVER" => OcpiInterfaceRole.Receiver, _ => (OcpiInterfaceRole?)null };
            var url = Text(node?["url"]);
            if (identifier is not { Length: > 0 and <= 32 } || role is null || !IsHttpUrl(url))
                return (null, Unusable($"Your version details at {detailsUrl}: endpoints[{i}] needs an identifier (1 to 32 characters), a role (SENDER or RECEIVER) and an http(s) url of at most {RoamingPartners.MaxUrlLength} characters."));
            endpoints.Add(new OcpiEndpoint(identifier, role.Value, url!));
        }
        return (new PartnerVersion(RoamingPartners.SupportedVersion, endpoints), null);
    }

    /// <summary>The roles we settle with, country code and party id as OCPI compares them (case-insensitive, kept upper-case).</summary>
    private static IReadOnlyList<OcpiPartyRole> Roles(Credentials offered) =>
    [
        .. offered.Roles
            .Where(r => r.Role is OcpiRole.Cpo or OcpiRole.Emsp or OcpiRole.Hub)
            .Select(r => new OcpiPartyRole(r.CountryCode.ToUpperInvariant(), r.PartyId.ToUpperInvariant(),
                r.Role switch { OcpiRole.Cpo => PartnerRole.Cpo, OcpiRole.Hub => PartnerRole.Hub, _ => PartnerRole.Emsp }, r.BusinessDetails.Name.Trim())),
    ];

    /// <summary>Our credentials: the token the partner is to call us with, our versions URL and our CPO role.</summary>
    private static Credentials Ours(string token, HttpContext context, OcpiOptions options) =>
        new(token, OcpiRoutes.BaseUrl(context, options) + "/ocpi/versions",
            [new CredentialsRole(OcpiRole.Cpo, new BusinessDetails(options.Name), options.PartyId, options.CountryCode)]);

    private static IResult Refused(Refusal refusal) => refusal.Kind == RefusalKind.Conflict
        ? OcpiResults.Error(StatusCodes.Status405MethodNotAllowed, OcpiStatus.ClientError, refusal.Message)
        : OcpiResults.InvalidParameters(refusal.Message);

    private static IResult NotRegistered(string method) => OcpiResults.Error(StatusCodes.Status405MethodNotAllowed, OcpiStatus.ClientError,
        $"You are not registered yet: {method} needs the token C that POST credentials answers.");

    /// <summary>3001: we could not use the partner's API. The request itself was fine, so no HTTP error (OCPI part "Status codes").</summary>
    private static IResult Unusable(string message) => OcpiResults.Error(StatusCodes.Status200OK, OcpiStatus.UnableToUseClientApi, message);

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static bool IsHttpUrl(string? url) =>
        url is { Length: > 0 and <= RoamingPartners.MaxUrlLength } && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
