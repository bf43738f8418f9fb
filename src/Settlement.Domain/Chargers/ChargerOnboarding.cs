using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Chargers;

/// <summary>The operator registers a charger; <paramref name="PasswordHash"/> is its OCPP password, hashed at the edge (hashing salts at random).</summary>
public sealed record RegisterCharger(
    string ChargerId, string SiteId, string Vendor, string Model, OcppVersion Protocol,
    IReadOnlyList<EvseSpecification> Evses, string? PasswordHash);

/// <summary>The operator adds an EVSE to a registered charger, or replaces an EVSE's connectors.</summary>
public sealed record ConfigureEvse(string ChargerId, EvseSpecification Evse);

/// <summary>The operator sets a registered charger's OCPP password, hashed at the edge.</summary>
public sealed record SetChargerCredentials(string ChargerId, string PasswordHash);

/// <summary>
/// The charger logged in with the password stored as <paramref name="PreviousHash"/>, an older KDF's hash;
/// <paramref name="PasswordHash"/> is the same password under the current one.
/// </summary>
public sealed record RehashChargerCredentials(string ChargerId, string PreviousHash, string PasswordHash);

/// <summary>
/// Onboarding decides on one fact of the charger's history: whether the operator registered it. A charger that
/// connected first (accepted as Pending) has a stream but is not registered until then.
/// </summary>
public static class ChargerOnboarding
{
    public static bool Evolve(bool registered, object @event) => registered || @event is ChargerRegistered;

    /// <param name="siteRegistered">Whether the site the charger is registered on is registered: prices and taxes come from the site.</param>
    public static Decision Register(bool registered, bool siteRegistered, RegisterCharger command, Instant now)
    {
        if (!siteRegistered)
            return Decision.Refuse(RefusalKind.Unprocessable, $"siteId: site {command.SiteId} is not registered; register it first with POST /api/sites.");
        if (command.Evses.GroupBy(e => e.EvseId).FirstOrDefault(same => same.Count() > 1) is { } repeated)
            return Decision.Refuse(RefusalKind.Invalid, $"evses: evseId {repeated.Key} appears {repeated.Count()} times; each EVSE is listed once.");
        if (command.Evses.SelectMany(ConnectorProblems).FirstOrDefault() is { } connectors)
            return Decision.Refuse(RefusalKind.Invalid, connectors);
        if (registered)
            return Decision.Refuse(RefusalKind.Conflict, $"Charger {command.ChargerId} is already registered.");
        var charger = new ChargerRegistered(command.ChargerId, command.SiteId, command.Vendor, command.Model, command.Protocol, command.Evses, now);
        return command.PasswordHash is { } hash
            ? Decision.Accept(charger, new ChargerCredentialsSet(command.ChargerId, hash, now))
            : Decision.Accept(charger);
    }

    public static Decision SetCredentials(bool registered, SetChargerCredentials command, Instant now) =>
        registered
            ? Decision.Accept(new ChargerCredentialsSet(command.ChargerId, command.PasswordHash, now))
            : Decision.Refuse(RefusalKind.NotFound, $"Charger {command.ChargerId} is not registered.");

    public static Decision Configure(bool registered, ConfigureEvse command, Instant now)
    {
        if (!registered) return Decision.Refuse(RefusalKind.NotFound, $"Charger {command.ChargerId} is not registered.");
        if (command.Evse.EvseId is < 1 or > 99) return Decision.Refuse(RefusalKind.Invalid, $"evseId: a whole number from 1 to 99, not {command.Evse.EvseId}.");
        if (ConnectorProblems(command.Evse).FirstOrDefault() is { } problem) return Decision.Refuse(RefusalKind.Invalid, problem);
        return Decision.Accept(new EvseConfigured(command.ChargerId, command.Evse, now));
    }

    private static IEnumerable<string> ConnectorProblems(EvseSpecification evse)
    {
        if (evse.Connectors is null || evse.Connectors.Count == 0)
            yield return $"evses[evseId {evse.EvseId}].connectors: at least one connector, such as {{ \"connectorId\": 1, \"standard\": \"Ccs2\", \"maxPowerKw\": 150 }}.";
        else if (evse.Connectors.GroupBy(c => c.ConnectorId).FirstOrDefault(same => same.Count() > 1) is { } repeated)
            yield return $"evses[evseId {evse.EvseId}].connectors: connectorId {repeated.Key} appears {repeated.Count()} times; each connector is listed once.";
    }

    /// <summary>The charger's password hash as last set or rehashed: what a rehash must still find to replace it.</summary>
    public static string? EvolvePasswordHash(string? hash, object @event) => @event switch
    {
        ChargerCredentialsSet set => set.PasswordHash,
        ChargerCredentialsRehashed rehashed => rehashed.PasswordHash,
        _ => hash,
    };

    /// <summary>
    /// Nothing when the hash changed since the login (the operator set a new password, or another host upgraded
    /// this one already): a rehash of the old password must never replace a newer one.
    /// </summary>
    public static Decision Rehash(string? currentHash, RehashChargerCredentials command, Instant now) =>
        currentHash == command.PreviousHash
            ? Decision.Accept(new ChargerCredentialsRehashed(command.ChargerId, command.PasswordHash, now))
            : Decision.Accept();
}
