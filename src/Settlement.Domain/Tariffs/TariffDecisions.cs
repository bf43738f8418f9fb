using System.Globalization;
using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Tariffs;

public sealed record PublishTariff(
    string TariffId,
    string Currency,
    bool PricesIncludeVat,
    IReadOnlyList<TariffElement> Elements,
    Instant ValidFrom,
    Instant? ValidUntil);

public sealed record AssignTariff(string TariffId, TariffScope Scope, string ScopeId, Instant ValidFrom, Instant? ValidUntil);

/// <summary>
/// Publishing and assigning tariffs. Neither may reach into the past: a session already charged keeps
/// the price it was charged under, which also keeps every rebuild of the priced sessions identical.
/// </summary>
public static class TariffDecisions
{
    /// <summary>
    /// Publishes the next version. Older versions still in force at or after its valid_from are
    /// superseded from then on, so the new version alone decides the price from valid_from, even once
    /// it has ended itself.
    /// </summary>
    public static Decision Publish(TariffHistory state, PublishTariff command, Instant now)
    {
        RequireSameTariff(state, command.TariffId);
        var tariff = new TariffPublished(command.TariffId, state.LatestVersionNumber() + 1, command.Currency,
            command.PricesIncludeVat, command.Elements, command.ValidFrom, command.ValidUntil, now);

        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(command.TariffId))
            problems.Add("tariff_id is empty");
        CheckWindow(command.ValidFrom, command.ValidUntil, now, problems);
        if (state.Versions.Select(v => v.Tariff).MaxBy(t => t.ValidFrom) is { } latestStart && command.ValidFrom < latestStart.ValidFrom)
            problems.Add($"valid_from {command.ValidFrom} is before valid_from {latestStart.ValidFrom} of version {latestStart.Version}");
        problems.AddRange(TariffValidation.Problems(tariff));
        if (problems.Count > 0) return Decision.Refuse(RefusalKind.Invalid, problems);

        var supersessions = state.Versions
            .Where(v => state.EffectiveUntil(v.Tariff) is not { } until || until > command.ValidFrom)
            .Select(v => new TariffSuperseded(command.TariffId, v.Tariff.Version, tariff.Version, command.ValidFrom, now));
        return Decision.Accept([tariff, .. supersessions]);
    }

    /// <summary>
    /// Assigns the tariff to a site, EVSE or customer group. <paramref name="placeRegistered"/>: whether the site or
    /// EVSE named is registered, as the read models tell; an assignment to a place nobody registered would silently
    /// never price anything. A tariff never published is not found rather than invalid.
    /// </summary>
    public static Decision Assign(TariffHistory state, AssignTariff command, Instant now, bool placeRegistered)
    {
        RequireSameTariff(state, command.TariffId);
        var problems = new List<string>();
        var neverPublished = state.Versions.Count == 0;
        if (neverPublished)
            problems.Add($"tariff '{command.TariffId}' has never been published");
        if (string.IsNullOrWhiteSpace(command.ScopeId))
            problems.Add("scope_id is empty");
        else if (command.Scope == TariffScope.Evse && !IsEvseKey(command.ScopeId))
            problems.Add($"scope_id '{command.ScopeId}' of an EVSE assignment is not '{{charger id}}/{{evse id}}'");
        CheckWindow(command.ValidFrom, command.ValidUntil, now, problems);
        if (!placeRegistered)
            problems.Add($"{(command.Scope == TariffScope.Evse ? "EVSE" : "site")} '{command.ScopeId}' is not registered");
        if (problems.Count > 0) return Decision.Refuse(neverPublished ? RefusalKind.NotFound : RefusalKind.Invalid, problems);

        return Decision.Accept(new TariffAssigned(command.TariffId, command.Scope, command.ScopeId, command.ValidFrom, command.ValidUntil, now));
    }

    private static void CheckWindow(Instant validFrom, Instant? validUntil, Instant now, List<string> problems)
    {
        if (validFrom < now)
            problems.Add($"valid_from {validFrom} is before now ({now}): prices never change retroactively");
        if (validUntil is { } until && until <= validFrom)
            problems.Add($"valid_until {until} is not after valid_from {validFrom}");
    }

    /// <summary>Exactly as <see cref="TariffScopes.EvseKey"/> writes it ("DE-MUC-01/2", never "DE-MUC-01/02"), or it would never match.</summary>
    private static bool IsEvseKey(string scopeId)
    {
        var slash = scopeId.LastIndexOf('/');
        return slash > 0
            && int.TryParse(scopeId.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var evseId)
            && evseId > 0
            && TariffScopes.EvseKey(scopeId[..slash], evseId) == scopeId;
    }

    /// <summary>A command handled against another tariff's stream is a bug in the caller, not a refusal.</summary>
    private static void RequireSameTariff(TariffHistory state, string tariffId)
    {
        if (tariffId != state.Id)
            throw new ArgumentException($"A command for tariff '{tariffId}' was decided on the history of tariff '{state.Id}'.", nameof(tariffId));
    }
}
