using System.Text.RegularExpressions;
using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Access;

public sealed record RegisterSubOperator(string OperatorId, string Name, string? LegalName);

/// <summary>A site as ownership needs it: whether it is registered, and whose it is now (null: the top-level operator's).</summary>
public sealed record SiteOwnership(bool Registered, string? OperatorId)
{
    public static readonly SiteOwnership None = new(false, null);
}

/// <summary>
/// Sub-operators and what belongs to them. Every registration a sub-operator's key makes (a site, an issuer, a
/// tariff, a token) becomes its own through <see cref="ClaimedBy"/>: the one rule every registering handler calls.
/// </summary>
public static partial class SubOperators
{
    public const int MaxNameLength = 100;
    public const int MaxLegalNameLength = 200;

    /// <summary>Whether the stream holds a registration; the state of a sub-operator's stream is nothing more.</summary>
    public static bool Evolve(bool registered, object @event) => registered || @event is SubOperatorRegistered;

    public static Decision Register(bool registered, RegisterSubOperator command, Instant now)
    {
        var problems = new List<string>();
        if (command.OperatorId is null || !OperatorIdShape().IsMatch(command.OperatorId))
            problems.Add("operatorId: 1 to 40 lower-case letters, digits or '-', starting with a letter or digit, e.g. \"citywatt\".");
        if (string.IsNullOrWhiteSpace(command.Name) || command.Name.Length > MaxNameLength)
            problems.Add($"name: the brand drivers see, 1 to {MaxNameLength} characters.");
        if (command.LegalName is not null && (string.IsNullOrWhiteSpace(command.LegalName) || command.LegalName.Length > MaxLegalNameLength))
            problems.Add($"legalName: the company's registered name, 1 to {MaxLegalNameLength} characters, or left out.");
        if (problems.Count > 0) return Decision.Refuse(RefusalKind.Invalid, problems);
        if (registered) return Decision.Refuse(RefusalKind.Conflict, $"Sub-operator {command.OperatorId} is registered already.");
        return Decision.Accept(new SubOperatorRegistered(command.OperatorId!, command.Name.Trim(), command.LegalName?.Trim(), now));
    }

    public static SiteOwnership Evolve(SiteOwnership site, object @event) => @event switch
    {
        Chargers.SiteRegisteredV2 => site with { Registered = true },
        SiteOperatorAssigned assigned => site with { OperatorId = assigned.OperatorId },
        _ => site,
    };

    /// <summary>Moves a site to a registered sub-operator, or back to the top-level operator (null); nothing when it is there already.</summary>
    public static Decision AssignSite(SiteOwnership site, string siteId, string? operatorId, bool operatorRegistered, Instant now)
    {
        if (!site.Registered) return Decision.Refuse(RefusalKind.NotFound, $"Site {siteId} is not registered.");
        if (operatorId is not null && !operatorRegistered)
            return Decision.Refuse(RefusalKind.NotFound, $"operatorId: no sub-operator '{operatorId}' is registered; register it with POST /api/operators first.");
        if (site.OperatorId == operatorId) return Decision.Accept();
        return Decision.Accept(new SiteOperatorAssigned(siteId, operatorId, now));
    }

    /// <summary>
    /// What a registration by a key of <paramref name="callerOperatorId"/> adds on the registered stream: nothing for the
    /// top-level operator's keys, the ownership fact for a sub-operator's. <paramref name="registered"/> is the
    /// registration event being appended (a site, an issuer, a tariff's first version or a token).
    /// </summary>
    public static IReadOnlyList<object> ClaimedBy(string? callerOperatorId, object registered, Instant now) =>
        callerOperatorId is null ? [] : registered switch
        {
            Chargers.SiteRegisteredV2 site => [new SiteOperatorAssigned(site.SiteId, callerOperatorId, now)],
            Invoicing.InvoiceIssuerRegisteredV2 issuer => [new IssuerOperatorAssigned(issuer.IssuerId, callerOperatorId, now)],
            Tariffs.TariffPublished tariff => [new TariffOperatorAssigned(tariff.TariffId, callerOperatorId, now)],
            Drivers.TokenRegistered token => [new TokenOperatorAssigned(token.TokenId, callerOperatorId, now)],
            _ => throw new ArgumentException($"{registered.GetType().Name} registers nothing a sub-operator can own.", nameof(registered)),
        };

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex OperatorIdShape();
}
