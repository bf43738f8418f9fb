using System.ComponentModel.DataAnnotations;
using Settlement.Domain.Events;
using Settlement.Domain.Firmware;

namespace Settlement.Host.Firmware;

/// <summary>
/// The body of <c>POST /api/firmware/rollouts</c>. Everything but the name and the image has a default
/// (<see cref="RolloutPlanning"/>'s, after the seed): every registered charger not on the version yet, one canary, a 48 h
/// soak, gates that allow little worse than each charger's own baseline, waves of 10 doubling with at most 20 updating
/// at once and a 24 h soak between them, a halt when more than 10 % of a stage's chargers failed once 5 finished, and an
/// hour for each charger to download, install and boot.
/// </summary>
public sealed record CreateRolloutBody(
    string Name,
    RolloutImageBody Image,
    string? RolloutId = null,
    RolloutTargetBody? Target = null,
    CanaryBody? Canary = null,
    decimal? SoakHours = null,
    int? SoakSeconds = null,
    GatesBody? Gates = null,
    WavesBody? Waves = null,
    AbortBody? Abort = null,
    RolloutImageBody? RollbackImage = null,
    int? UpdateTimeoutSeconds = null);

/// <summary>The firmware image; <see cref="Signature"/> and <see cref="SigningCertificate"/> are sent to OCPP 2.0.1 chargers.</summary>
public sealed record RolloutImageBody(string Version, string Location, string? Signature = null, string? SigningCertificate = null);

public sealed record RolloutTargetBody(
    [property: MaxLength(50)] IReadOnlyList<string>? Vendors = null,
    [property: MaxLength(50)] IReadOnlyList<string>? Models = null,
    [property: MaxLength(50)] IReadOnlyList<string>? FromFirmware = null,
    [property: MaxLength(500)] IReadOnlyList<string>? Sites = null,
    [property: MaxLength(50)] IReadOnlyList<string>? Countries = null);

/// <summary>Either the canary chargers by id, or how many of the target to pick (the planner picks them).</summary>
public sealed record CanaryBody([property: MaxLength(100)] IReadOnlyList<string>? ChargerIds = null, int? Count = null);

public sealed record GatesBody(
    bool? RequireBootAccepted = null,
    decimal? MaxFaultsPerHourIncrease = null,
    decimal? MaxReconnectsPerHourIncrease = null,
    decimal? MaxChargeSuccessDropPoints = null,
    decimal? MaxUptimeDropPoints = null);

public sealed record WavesBody(int? FirstWaveSize = null, decimal? Growth = null, int? MaxConcurrency = null, decimal? SoakHours = null, int? SoakSeconds = null);

public sealed record AbortBody(decimal? MaxFailedPercent = null, int? MinSample = null);

/// <summary>A create body made whole: its defaults (<see cref="RolloutPlanning"/>'s) filled in and every field within its event's bounds.</summary>
public static class RolloutRequest
{
    public const int MaxSoakSeconds = 2_592_000;

    /// <summary>The shortest deadline RolloutPlanned allows for a charger's update.</summary>
    public const int MinUpdateTimeoutSeconds = 5;

    /// <summary>The request, or every problem with the body at once, each naming its field and the shape expected.</summary>
    public static (PlanRollout? Command, IReadOnlyList<string> Problems) From(CreateRolloutBody body, string newId)
    {
        var problems = new List<string>();
        var rolloutId = body.RolloutId ?? newId;
        if (!Identifiers.IsValid(rolloutId)) problems.Add($"rolloutId: '{rolloutId}' is not an id ({Identifiers.Shape}).");
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 200) problems.Add("name: 1 to 200 characters naming the rollout.");
        var image = Image("image", body.Image, problems);
        var rollback = body.RollbackImage is null ? null : Image("rollbackImage", body.RollbackImage, problems);
        if (image is not null && rollback is not null && image.Version == rollback.Version)
            problems.Add($"rollbackImage.version: the firmware to go back to, not the version being rolled out ({image.Version}).");

        var target = body.Target ?? new RolloutTargetBody();
        var countries = target.Countries ?? [];
        foreach (var bad in countries.Where(c => c is not { Length: 2 } || !c.All(char.IsAsciiLetterUpper)))
            problems.Add($"target.countries: ISO 3166-1 alpha-2 codes such as DE, not '{bad}'.");
        foreach (var bad in (target.Sites ?? []).Where(s => !Identifiers.IsValid(s)))
            problems.Add($"target.sites: '{bad}' is not a site id ({Identifiers.Shape}).");

        var canary = body.Canary ?? new CanaryBody(Count: RolloutPlanning.DefaultCanaryCount);
        var canaryIds = canary.ChargerIds ?? [];
        if (canaryIds.Count > 0 && canary.Count is not null)
            problems.Add("canary: either chargerIds (the canaries by id) or count (how many to pick), not both.");
        if (canaryIds.Count == 0 && canary.Count is not (>= 1 and <= RolloutPlanning.MaxCanaries))
            problems.Add($"canary.count: a whole number from 1 to {RolloutPlanning.MaxCanaries}, or name the canaries in canary.chargerIds.");
        if (canaryIds.Distinct(StringComparer.Ordinal).Count() != canaryIds.Count) problems.Add("canary.chargerIds: each charger once.");
        foreach (var bad in canaryIds.Where(c => !Identifiers.IsValid(c)))
            problems.Add($"canary.chargerIds: '{bad}' is not a charger id ({Identifiers.Shape}).");

        var canarySoak = Soak("soakHours", "soakSeconds", body.SoakHours, body.SoakSeconds, RolloutPlanning.DefaultCanarySoakSeconds, problems);
        var updateTimeout = body.UpdateTimeoutSeconds ?? RolloutPlanning.DefaultUpdateTimeoutSeconds;
        if (updateTimeout is < MinUpdateTimeoutSeconds or > 604_800)
            problems.Add($"updateTimeoutSeconds: whole seconds from {MinUpdateTimeoutSeconds} to 604800 (a week) for a charger to download, install and boot, not {updateTimeout}.");

        var gates = body.Gates ?? new GatesBody();
        var healthGates = new HealthGates(
            gates.RequireBootAccepted ?? RolloutPlanning.DefaultGates.RequireBootAccepted,
            Between("gates.maxFaultsPerHourIncrease", gates.MaxFaultsPerHourIncrease ?? RolloutPlanning.DefaultGates.MaxFaultsPerHourIncrease, 0m, 1_000m, problems),
            Between("gates.maxReconnectsPerHourIncrease", gates.MaxReconnectsPerHourIncrease ?? RolloutPlanning.DefaultGates.MaxReconnectsPerHourIncrease, 0m, 1_000m, problems),
            Between("gates.maxChargeSuccessDropPoints", gates.MaxChargeSuccessDropPoints ?? RolloutPlanning.DefaultGates.MaxChargeSuccessDropPoints, 0m, 100m, problems),
            Between("gates.maxUptimeDropPoints", gates.MaxUptimeDropPoints ?? RolloutPlanning.DefaultGates.MaxUptimeDropPoints, 0m, 100m, problems));

        var waves = body.Waves ?? new WavesBody();
        var firstWave = waves.FirstWaveSize ?? RolloutPlanning.DefaultWaves.FirstWaveSize;
        if (firstWave is < 1 or > 100_000) problems.Add($"waves.firstWaveSize: a whole number from 1 to 100000, not {firstWave}.");
        var concurrency = waves.MaxConcurrency ?? RolloutPlanning.DefaultWaves.MaxConcurrency;
        if (concurrency is < 1 or > 10_000) problems.Add($"waves.maxConcurrency: a whole number from 1 to 10000, not {concurrency}.");
        var wavePlan = new WavePlan(firstWave, Between("waves.growth", waves.Growth ?? RolloutPlanning.DefaultWaves.Growth, 1m, 10m, problems), concurrency,
            Soak("waves.soakHours", "waves.soakSeconds", waves.SoakHours, waves.SoakSeconds, RolloutPlanning.DefaultWaves.SoakSecondsBetweenWaves, problems));

        var abort = body.Abort ?? new AbortBody();
        var minSample = abort.MinSample ?? RolloutPlanning.DefaultAbort.MinSample;
        if (minSample is < 1 or > 100_000) problems.Add($"abort.minSample: a whole number from 1 to 100000, not {minSample}.");
        var abortCriteria = new AbortCriteria(Between("abort.maxFailedPercent", abort.MaxFailedPercent ?? RolloutPlanning.DefaultAbort.MaxFailedPercent, 0m, 100m, problems), minSample);

        if (problems.Count > 0) return (null, problems);
        return (new PlanRollout(rolloutId, body.Name.Trim(), image!,
            new RolloutTarget(Trimmed(target.Vendors), Trimmed(target.Models), Trimmed(target.FromFirmware), target.Sites ?? [], countries),
            canaryIds.Count > 0 ? canaryIds : null, canaryIds.Count > 0 ? canaryIds.Count : canary.Count!.Value, canarySoak, healthGates, wavePlan,
            abortCriteria, rollback, updateTimeout), problems);
    }

    private static FirmwareImage? Image(string field, RolloutImageBody? body, List<string> problems)
    {
        if (body is null)
        {
            problems.Add($"{field}: {{ version, location, signature?, signingCertificate? }} of the firmware.");
            return null;
        }
        var before = problems.Count;
        if (string.IsNullOrWhiteSpace(body.Version) || body.Version.Length > 50) problems.Add($"{field}.version: 1 to 50 characters, such as 2.4.1.");
        if (body.Location is not { Length: > 0 and <= 512 } || !Uri.TryCreate(body.Location, UriKind.Absolute, out var location)
            || location.Scheme is not ("https" or "http" or "ftp" or "ftps" or "sftp"))
            problems.Add($"{field}.location: an absolute https, http or ftp URI of at most 512 characters, where the chargers download the image.");
        if (body.Signature is { } signature && (signature.Length is 0 or > 800 || !IsBase64(signature)))
            problems.Add($"{field}.signature: the image's base64 signature, at most 800 characters.");
        if (body.SigningCertificate is { } certificate && (certificate.Length > 5_500 || !certificate.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)))
            problems.Add($"{field}.signingCertificate: the PEM X.509 certificate the image was signed with, at most 5500 characters.");
        if ((body.Signature is null) != (body.SigningCertificate is null))
            problems.Add($"{field}: signature and signingCertificate come together (OCPP 2.0.1 signed firmware), or neither.");
        return problems.Count > before ? null : new FirmwareImage(body.Version.Trim(), body.Location, body.Signature, body.SigningCertificate);
    }

    private static int Soak(string hoursField, string secondsField, decimal? hours, int? seconds, int defaultSeconds, List<string> problems)
    {
        if (hours is not null && seconds is not null)
        {
            problems.Add($"{hoursField}: give the soak in hours or in {secondsField}, not both.");
            return 0;
        }
        var total = seconds ?? (hours is { } h ? h * 3600m : defaultSeconds);
        if (total is < 0 or > MaxSoakSeconds || total != decimal.Truncate(total))
        {
            problems.Add(seconds is not null
                ? $"{secondsField}: whole seconds from 0 to {MaxSoakSeconds} (30 days), not {seconds}."
                : $"{hoursField}: hours from 0 to 720 (30 days) in whole seconds, not {hours}.");
            return 0;
        }
        return (int)total;
    }

    private static decimal Between(string field, decimal value, decimal min, decimal max, List<string> problems)
    {
        if (value < min || value > max) problems.Add($"{field}: a number from {min} to {max}, not {value}.");
        return value;
    }

    private static IReadOnlyList<string> Trimmed(IReadOnlyList<string>? values) =>
        values is null ? [] : [.. values.Select(v => v.Trim()).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal)];

    private static bool IsBase64(string text) => Convert.TryFromBase64String(text, new byte[text.Length], out _);
}
