using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Monetary;

namespace Settlement.Domain.SelfHealing;

/// <summary>
/// The self-healing rules in force: when an incident opens (<see cref="Thresholds"/>) and which remote actions it runs
/// (<see cref="Ladders"/>). <see cref="Default"/> holds until the operator defines rules of their own.
/// </summary>
public sealed record HealingRules(HealingThresholds Thresholds, IReadOnlyList<HealingLadder> Ladders)
{
    /// <summary>Any vendor, or any model of a vendor, in a ladder's <see cref="HealingLadder.Vendor"/> and <see cref="HealingLadder.Model"/>.</summary>
    public const string Any = "*";

    /// <summary>
    /// The code <see cref="Chargers.ConnectorFaults"/> records for an OCPP 2.0.1 Faulted status, which carries no error code
    /// of its own. It is in the default transient codes: a 2.0.1 fault is tried remotely unless the operator's rules
    /// leave "Faulted" out.
    /// </summary>
    public const string CodelessFault = "Faulted";

    /// <summary>
    /// Sensible defaults: a charger offline for 2 minutes while its neighbours are online, a session silent for
    /// 15 minutes, 3 failed starts in a row; the OCPP 1.6 error codes a restart usually clears; a truck roll at 200 USD
    /// (the seed's figure). Ladders for any vendor and model, mildest first. Nothing remote reaches an offline charger,
    /// so its ladder is a status request whose answer (ChargerOffline) is expected: the incident waits 30 minutes for
    /// the charger to come back before it escalates.
    /// </summary>
    public static readonly HealingRules Default = new(
        new HealingThresholds(
            OfflineGraceSeconds: 120,
            StuckSessionSeconds: 900,
            FailedStartsInRow: 3,
            TransientErrorCodes:
            [
                "InternalError", "OtherError", "ReaderFailure", "PowerMeterFailure", "EVCommunicationError",
                "ConnectorLockFailure", "ResetFailure", "WeakSignal", CodelessFault,
            ],
            TruckRollCost: 200m,
            Currency: "USD"),
        [
            new HealingLadder(Any, Any, IncidentKind.ConnectorFaulted,
            [
                new HealingStep(HealingAction.TriggerStatus, 60), new HealingStep(HealingAction.CycleAvailability, 120),
                new HealingStep(HealingAction.SoftReset, 300), new HealingStep(HealingAction.HardReset, 600),
            ]),
            new HealingLadder(Any, Any, IncidentKind.SessionStuck,
            [
                new HealingStep(HealingAction.RemoteStop, 120), new HealingStep(HealingAction.UnlockConnector, 60),
                new HealingStep(HealingAction.SoftReset, 300),
            ]),
            new HealingLadder(Any, Any, IncidentKind.RepeatedFailedStarts,
            [
                new HealingStep(HealingAction.CycleAvailability, 120), new HealingStep(HealingAction.SoftReset, 300),
                new HealingStep(HealingAction.HardReset, 600),
            ]),
            new HealingLadder(Any, Any, IncidentKind.ChargerOffline, [new HealingStep(HealingAction.TriggerStatus, 1_800)]),
        ]);

    /// <summary>The rules a definition states.</summary>
    public static HealingRules From(HealingRulesDefined defined) => new(defined.Thresholds, defined.Ladders);

    /// <summary>The rules in force after the rules stream's events (the last definition wins), or <see cref="Default"/>.</summary>
    public static HealingRules Evolve(HealingRules rules, object @event) =>
        @event is HealingRulesDefined defined ? From(defined) : rules;

    /// <summary>
    /// The ladder for an incident of <paramref name="kind"/> on a charger of <paramref name="vendor"/> and
    /// <paramref name="model"/>: the one naming both, else the vendor's for any model, else the one for any vendor;
    /// null when none applies (the incident escalates at once). Vendor and model compare ignoring case, as chargers
    /// report them in their own spelling.
    /// </summary>
    public HealingLadder? LadderFor(string vendor, string model, IncidentKind kind)
    {
        var ofKind = Ladders.Where(ladder => ladder.Kind == kind).ToList();
        return ofKind.FirstOrDefault(l => Same(l.Vendor, vendor) && Same(l.Model, model))
            ?? ofKind.FirstOrDefault(l => Same(l.Vendor, vendor) && l.Model == Any)
            ?? ofKind.FirstOrDefault(l => l is { Vendor: Any, Model: Any });
    }

    /// <summary>Whether a fault's error code is one a remote action may clear (ignoring case: vendors spell 1.6 codes loosely).</summary>
    public bool IsTransient(string errorCode) => Thresholds.TransientErrorCodes.Any(code => Same(code, errorCode));

    private static bool Same(string left, string right) => string.Equals(left, right, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The operator's rules, replacing the whole set in force.</summary>
public sealed record DefineHealingRules(HealingThresholds Thresholds, IReadOnlyList<HealingLadder> Ladders);

/// <summary>
/// Validates a rules definition: every problem at once, each naming its field as the request spells it
/// (<c>thresholds.truckRollCost</c>, <c>ladders[2].steps[0].waitSeconds</c>), so nothing partial is ever in force.
/// </summary>
public static class HealingRulesDecider
{
    // The bounds of HealingRulesDefined's JSON Schema, checked here to refuse with a sentence rather than a schema error.
    private const int MaxLadders = 500;
    private const int MaxSteps = 10;
    private const int MaxTransientCodes = 50;
    private const int MaxNameLength = 100;
    private const int MaxWaitSeconds = 86_400;

    public static Decision Define(DefineHealingRules command, Instant now)
    {
        var problems = new List<string>();
        if (command.Thresholds is null)
            problems.Add("thresholds: required");
        else
            CheckThresholds(command.Thresholds, problems);
        if (command.Ladders is null)
            problems.Add("ladders: required (an empty list leaves every incident to escalate at once)");
        else
            CheckLadders(command.Ladders, problems);
        return problems.Count > 0
            ? Decision.Refuse(RefusalKind.Invalid, problems)
            : Decision.Accept(new HealingRulesDefined(command.Thresholds!, command.Ladders!, now));
    }

    private static void CheckThresholds(HealingThresholds t, List<string> problems)
    {
        if (t.OfflineGraceSeconds is < 1 or > MaxWaitSeconds)
            problems.Add($"thresholds.offlineGraceSeconds: {t.OfflineGraceSeconds} is not between 1 and {MaxWaitSeconds}");
        if (t.StuckSessionSeconds is < 1 or > MaxWaitSeconds)
            problems.Add($"thresholds.stuckSessionSeconds: {t.StuckSessionSeconds} is not between 1 and {MaxWaitSeconds}");
        if (t.FailedStartsInRow is < 2 or > 100)
            problems.Add($"thresholds.failedStartsInRow: {t.FailedStartsInRow} is not between 2 and 100");
        if (t.TransientErrorCodes is null)
            problems.Add("thresholds.transientErrorCodes: required (an empty list opens no fault incidents)");
        else
        {
            if (t.TransientErrorCodes.Count > MaxTransientCodes)
                problems.Add($"thresholds.transientErrorCodes: {t.TransientErrorCodes.Count} codes, at most {MaxTransientCodes}");
            for (var i = 0; i < t.TransientErrorCodes.Count; i++)
                if (t.TransientErrorCodes[i] is not { Length: > 0 and <= 50 } code || code.Any(char.IsWhiteSpace))
                    problems.Add($"thresholds.transientErrorCodes[{i}]: '{t.TransientErrorCodes[i]}' is not an error code (1 to 50 characters, no spaces)");
        }
        if (t.TruckRollCost is < 0m or > 1_000_000m)
            problems.Add($"thresholds.truckRollCost: {t.TruckRollCost} is not between 0 and 1000000");
        if (!Currency.TryFromCode(t.Currency, out var currency) || currency.Code != t.Currency)
            problems.Add($"thresholds.currency: '{t.Currency}' is not an ISO 4217 code we know (three capitals, e.g. USD)");
    }

    private static void CheckLadders(IReadOnlyList<HealingLadder> ladders, List<string> problems)
    {
        if (ladders.Count > MaxLadders)
            problems.Add($"ladders: {ladders.Count} ladders, at most {MaxLadders}");
        var seen = new Dictionary<(string Vendor, string Model, IncidentKind Kind), int>();
        for (var i = 0; i < ladders.Count; i++)
        {
            var name = $"ladders[{i}]";
            if (ladders[i] is not { } ladder)
            {
                problems.Add($"{name}: required");
                continue;
            }
            var wellNamed = CheckName(ladder.Vendor, $"{name}.vendor", problems) & CheckName(ladder.Model, $"{name}.model", problems);
            if (!Enum.IsDefined(ladder.Kind))
                problems.Add($"{name}.kind: {(int)ladder.Kind} is not one of {string.Join(", ", Enum.GetNames<IncidentKind>())}");
            if (wellNamed && ladder.Vendor == HealingRules.Any && ladder.Model != HealingRules.Any)
                problems.Add($"{name}.model: '{ladder.Model}' needs a vendor ('*' for the model of any vendor is ambiguous)");
            if (wellNamed)
            {
                var key = (ladder.Vendor.ToUpperInvariant(), ladder.Model.ToUpperInvariant(), ladder.Kind);
                if (!seen.TryAdd(key, i))
                    problems.Add($"{name}: vendor '{ladder.Vendor}', model '{ladder.Model}', kind {ladder.Kind} already has ladders[{seen[key]}]");
            }
            CheckSteps(ladder, name, problems);
        }
    }

    private static bool CheckName(string? value, string field, List<string> problems)
    {
        if (value is { Length: > 0 and <= MaxNameLength } && value.Trim() == value)
            return true;
        problems.Add($"{field}: '{value}' is not a name (1 to {MaxNameLength} characters, no surrounding spaces, or '*' for any)");
        return false;
    }

    private static void CheckSteps(HealingLadder ladder, string name, List<string> problems)
    {
        if (ladder.Steps is null)
        {
            problems.Add($"{name}.steps: required (an empty list escalates at once)");
            return;
        }
        if (ladder.Steps.Count > MaxSteps)
            problems.Add($"{name}.steps: {ladder.Steps.Count} steps, at most {MaxSteps}");
        for (var s = 0; s < ladder.Steps.Count; s++)
        {
            var field = $"{name}.steps[{s}]";
            if (ladder.Steps[s] is not { } step)
            {
                problems.Add($"{field}: required");
                continue;
            }
            if (!Enum.IsDefined(step.Action))
                problems.Add($"{field}.action: {(int)step.Action} is not one of {string.Join(", ", Enum.GetNames<HealingAction>())}");
            else if (step.Action == HealingAction.RemoteStop && ladder.Kind != IncidentKind.SessionStuck)
                problems.Add($"{field}.action: RemoteStop needs a session, and only a SessionStuck incident has one");
            if (step.WaitSeconds is < 1 or > MaxWaitSeconds)
                problems.Add($"{field}.waitSeconds: {step.WaitSeconds} is not between 1 and {MaxWaitSeconds}");
        }
    }
}
