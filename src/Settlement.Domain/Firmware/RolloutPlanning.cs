using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Firmware;

/// <summary>
/// Plans a rollout: validates the command, selects its chargers from the fleet, orders them, and picks the canaries.
/// The defaults follow the seed: one station first, a 48 h soak, then waves.
/// </summary>
public static class RolloutPlanning
{
    /// <summary>The seed's soak: a canary runs 48 hours on the new firmware before any wave.</summary>
    public const int DefaultCanarySoakSeconds = 172_800;

    /// <summary>The seed's canary: one station.</summary>
    public const int DefaultCanaryCount = 1;

    /// <summary>An hour covers a download over a slow cellular link, the install and the reboot.</summary>
    public const int DefaultUpdateTimeoutSeconds = 3_600;

    /// <summary>Booted accepted; at most one more fault or reconnect an hour; at most 5 points less charge success and 2 less uptime.</summary>
    public static readonly HealthGates DefaultGates = new(true, 1m, 1m, 5m, 2m);

    /// <summary>Ten chargers, then doubling; twenty updating at once; a 24 h soak after each wave.</summary>
    public static readonly WavePlan DefaultWaves = new(10, 2m, 20, 86_400);

    /// <summary>A wave halts once five chargers finished and more than 10% of them failed.</summary>
    public static readonly AbortCriteria DefaultAbort = new(10m, 5);

    public const int MaxCanaries = 100;
    public const int MaxChargers = 100_000;

    /// <summary>
    /// The plan as a <see cref="RolloutPlanned"/>, or a refusal naming every problem (Conflict when the rollout exists,
    /// Unprocessable when no charger is left to update). Targets are the fleet's chargers matching every non-empty list
    /// of the target and not already on the image's version; they are updated site by site in turn (chargers of a site
    /// by id), so a wave takes a few chargers of many sites rather than all of one.
    /// </summary>
    public static Decision Plan(PlanRollout command, bool exists, IReadOnlyList<FleetCharger> fleet, Instant now)
    {
        if (exists) return Decision.Refuse(RefusalKind.Conflict, $"rolloutId: rollout {command.RolloutId} already exists");
        var problems = Validate(command).ToList();
        if (problems.Count > 0) return Decision.Refuse(RefusalKind.Invalid, problems);

        var targets = Order(fleet.Where(c => Matches(command.Target, c) && c.Firmware != command.Image.Version)).ToList();
        if (targets.Count == 0)
            return Decision.Refuse(RefusalKind.Unprocessable, "target: no charger matches it that is not already on " + command.Image.Version);
        if (targets.Count > MaxChargers)
            return Decision.Refuse(RefusalKind.Unprocessable, $"target: {targets.Count} chargers match it, at most {MaxChargers} a rollout");

        var targetIds = targets.Select(c => c.ChargerId).ToHashSet();
        IReadOnlyList<string> canaries;
        if (command.CanaryChargerIds is { } given)
        {
            var unknown = given.Where(id => !targetIds.Contains(id)).ToList();
            if (unknown.Count > 0)
                return Decision.Refuse(RefusalKind.Unprocessable,
                    $"canaryChargerIds: {string.Join(", ", unknown.Take(10))} are not among the rollout's targets");
            canaries = given.Distinct().ToList();
        }
        else
        {
            canaries = targets.Take(command.CanaryCount).Select(c => c.ChargerId).ToList();
        }

        // The canaries go first; the waves take the rest in the same order.
        var canarySet = canaries.ToHashSet();
        var ordered = canaries.Select(id => targets.First(t => t.ChargerId == id))
            .Concat(targets.Where(t => !canarySet.Contains(t.ChargerId)))
            .Select(c => new RolloutCharger(c.ChargerId, c.SiteId, c.Vendor, c.Model, c.Protocol, c.Firmware))
            .ToList();
        return Decision.Accept(new RolloutPlanned(
            command.RolloutId, command.Name, command.Image, command.Target, ordered, canaries, command.CanarySoakSeconds,
            command.Gates, command.Waves, command.Abort, command.RollbackImage, command.UpdateTimeoutSeconds, now));
    }

    private static bool Matches(RolloutTarget target, FleetCharger charger) =>
        In(target.Vendors, charger.Vendor) && In(target.Models, charger.Model) && In(target.SiteIds, charger.SiteId)
        && In(target.CountryCodes, charger.CountryCode)
        && (target.FromFirmware.Count == 0 || (charger.Firmware is { } firmware && target.FromFirmware.Contains(firmware)));

    private static bool In(IReadOnlyList<string> list, string value) =>
        list.Count == 0 || list.Contains(value, StringComparer.OrdinalIgnoreCase);

    // Round robin over sites (sites and chargers by id): deterministic, and spreads each wave over the fleet.
    private static IEnumerable<FleetCharger> Order(IEnumerable<FleetCharger> chargers)
    {
        var sites = chargers
            .GroupBy(c => c.SiteId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.OrderBy(c => c.ChargerId, StringComparer.Ordinal).ToList())
            .ToList();
        for (var round = 0; sites.Any(s => s.Count > round); round++)
            foreach (var site in sites.Where(s => s.Count > round))
                yield return site[round];
    }

    private static IEnumerable<string> Validate(PlanRollout c)
    {
        if (string.IsNullOrWhiteSpace(c.RolloutId) || c.RolloutId.Length > 100) yield return "rolloutId: 1 to 100 characters";
        if (string.IsNullOrWhiteSpace(c.Name) || c.Name.Length > 200) yield return "name: 1 to 200 characters";
        foreach (var problem in ValidateImage("image", c.Image)) yield return problem;
        if (c.RollbackImage is { } rollback)
        {
            foreach (var problem in ValidateImage("rollbackImage", rollback)) yield return problem;
            if (rollback.Version == c.Image.Version) yield return "rollbackImage.version: must differ from image.version";
        }
        foreach (var (name, list, max) in new[]
                 {
                     ("target.vendors", c.Target.Vendors, 50), ("target.models", c.Target.Models, 50),
                     ("target.fromFirmware", c.Target.FromFirmware, 50), ("target.siteIds", c.Target.SiteIds, 500),
                     ("target.countryCodes", c.Target.CountryCodes, 50),
                 })
            if (list.Count > max || list.Any(v => string.IsNullOrWhiteSpace(v) || v.Length > 100))
                yield return $"{name}: at most {max} values of 1 to 100 characters";
        if (c.CanaryChargerIds is { } canaries)
        {
            if (canaries.Count is 0 or > MaxCanaries) yield return $"canaryChargerIds: 1 to {MaxCanaries} charger ids, or none to pick canaryCount";
        }
        else if (c.CanaryCount is < 1 or > MaxCanaries) yield return $"canaryCount: 1 to {MaxCanaries}";
        if (c.CanarySoakSeconds is < 0 or > 2_592_000) yield return "canarySoakSeconds: 0 to 2592000 (30 days)";
        if (c.UpdateTimeoutSeconds is < 5 or > 604_800) yield return "updateTimeoutSeconds: 5 to 604800 (7 days)";
        var g = c.Gates;
        if (g.MaxFaultsPerHourIncrease is < 0 or > 1_000) yield return "gates.maxFaultsPerHourIncrease: 0 to 1000";
        if (g.MaxReconnectsPerHourIncrease is < 0 or > 1_000) yield return "gates.maxReconnectsPerHourIncrease: 0 to 1000";
        if (g.MaxChargeSuccessDropPoints is < 0 or > 100) yield return "gates.maxChargeSuccessDropPoints: 0 to 100";
        if (g.MaxUptimeDropPoints is < 0 or > 100) yield return "gates.maxUptimeDropPoints: 0 to 100";
        var w = c.Waves;
        if (w.FirstWaveSize is < 1 or > 100_000) yield return "waves.firstWaveSize: 1 to 100000";
        if (w.Growth is < 1 or > 10) yield return "waves.growth: 1 to 10";
        if (w.MaxConcurrency is < 1 or > 10_000) yield return "waves.maxConcurrency: 1 to 10000";
        if (w.SoakSecondsBetweenWaves is < 0 or > 2_592_000) yield return "waves.soakSecondsBetweenWaves: 0 to 2592000 (30 days)";
        if (c.Abort.MaxFailedPercent is < 0 or > 100) yield return "abort.maxFailedPercent: 0 to 100";
        if (c.Abort.MinSample is < 1 or > 100_000) yield return "abort.minSample: 1 to 100000";
    }

    private static IEnumerable<string> ValidateImage(string field, FirmwareImage image)
    {
        if (string.IsNullOrWhiteSpace(image.Version) || image.Version.Length > 50) yield return $"{field}.version: 1 to 50 characters";
        if (!Uri.TryCreate(image.Location, UriKind.Absolute, out var location) || image.Location.Length > 512
            || location.Scheme is not ("https" or "http" or "ftp" or "ftps" or "sftp"))
            yield return $"{field}.location: an absolute http(s) or (s)ftp(s) URL of at most 512 characters";
        if (image.Signature is { Length: > 800 }) yield return $"{field}.signature: at most 800 characters (base64)";
        if (image.SigningCertificate is { Length: > 5_500 }) yield return $"{field}.signingCertificate: at most 5500 characters (PEM)";
        if ((image.Signature is null) != (image.SigningCertificate is null))
            yield return $"{field}: signature and signingCertificate come together, or neither";
    }
}
