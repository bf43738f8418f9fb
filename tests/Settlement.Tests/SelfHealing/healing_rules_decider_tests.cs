using Settlement.Domain.Deciding;
using Settlement.Domain.SelfHealing;
using Xunit;
using static Settlement.Tests.SelfHealing.HealingSpec;

namespace Settlement.Tests.SelfHealing;

/// <summary>Defining the rules: all problems at once, each naming its field; the most specific ladder wins.</summary>
public sealed class healing_rules_decider_tests
{
    private static readonly HealingThresholds Thresholds = HealingRules.Default.Thresholds;

    [Fact]
    public void the_default_rules_are_valid_and_defined_from_now()
    {
        var decision = HealingRulesDecider.Define(new DefineHealingRules(Thresholds, HealingRules.Default.Ladders), At(0));

        var defined = Assert.IsType<HealingRulesDefined>(Assert.Single(decision.Events));
        Assert.Equal(At(0), defined.DefinedAt);
        Same(HealingRules.Default, HealingRules.From(defined));
    }

    [Fact]
    public void every_problem_names_its_field()
    {
        var command = new DefineHealingRules(
            Thresholds with { OfflineGraceSeconds = 0, FailedStartsInRow = 1, TruckRollCost = -5m, Currency = "usd", TransientErrorCodes = ["InternalError", ""] },
            [
                new HealingLadder("Acme", "*", IncidentKind.ConnectorFaulted, [new HealingStep(HealingAction.SoftReset, 60)]),
                new HealingLadder("Acme", "Volt", IncidentKind.ConnectorFaulted, [new HealingStep(HealingAction.SoftReset, 60)]),
                new HealingLadder("acme", "*", IncidentKind.ConnectorFaulted, [new HealingStep(HealingAction.HardReset, 0)]),
                new HealingLadder("*", "Volt", IncidentKind.ChargerOffline, [new HealingStep(HealingAction.RemoteStop, 90_000)]),
            ]);

        var refusal = Assert.IsType<Refusal>(HealingRulesDecider.Define(command, At(0)).Refusal);

        Assert.Equal(RefusalKind.Invalid, refusal.Kind);
        Assert.Equal(
            [
                "thresholds.offlineGraceSeconds: 0 is not between 1 and 86400",
                "thresholds.failedStartsInRow: 1 is not between 2 and 100",
                "thresholds.transientErrorCodes[1]: '' is not an error code (1 to 50 characters, no spaces)",
                "thresholds.truckRollCost: -5 is not between 0 and 1000000",
                "thresholds.currency: 'usd' is not an ISO 4217 code we know (three capitals, e.g. USD)",
                "ladders[2]: vendor 'acme', model '*', kind ConnectorFaulted already has ladders[0]",
                "ladders[2].steps[0].waitSeconds: 0 is not between 1 and 86400",
                "ladders[3].model: 'Volt' needs a vendor ('*' for the model of any vendor is ambiguous)",
                "ladders[3].steps[0].action: RemoteStop needs a session, and only a SessionStuck incident has one",
                "ladders[3].steps[0].waitSeconds: 90000 is not between 1 and 86400",
            ],
            refusal.Problems);
    }

    [Fact]
    public void too_many_steps_and_missing_lists_are_named()
    {
        var steps = Enumerable.Repeat(new HealingStep(HealingAction.TriggerStatus, 10), 11).ToList();
        var command = new DefineHealingRules(Thresholds with { TransientErrorCodes = null! },
            [new HealingLadder("Acme", "*", IncidentKind.SessionStuck, steps), new HealingLadder("Acme", "Volt", IncidentKind.SessionStuck, null!)]);

        var refusal = Assert.IsType<Refusal>(HealingRulesDecider.Define(command, At(0)).Refusal);

        Assert.Contains("thresholds.transientErrorCodes: required (an empty list opens no fault incidents)", refusal.Problems);
        Assert.Contains("ladders[0].steps: 11 steps, at most 10", refusal.Problems);
        Assert.Contains("ladders[1].steps: required (an empty list escalates at once)", refusal.Problems);
    }

    [Fact]
    public void the_most_specific_ladder_wins()
    {
        var rules = new HealingRules(Thresholds,
        [
            new HealingLadder("*", "*", IncidentKind.ConnectorFaulted, [new HealingStep(HealingAction.TriggerStatus, 60)]),
            new HealingLadder("Acme", "*", IncidentKind.ConnectorFaulted, [new HealingStep(HealingAction.SoftReset, 60)]),
            new HealingLadder("Acme", "Volt", IncidentKind.ConnectorFaulted, [new HealingStep(HealingAction.HardReset, 60)]),
        ]);

        Assert.Equal(HealingAction.HardReset, rules.LadderFor("ACME", "volt", IncidentKind.ConnectorFaulted)!.Steps[0].Action);
        Assert.Equal(HealingAction.SoftReset, rules.LadderFor("Acme", "Amp", IncidentKind.ConnectorFaulted)!.Steps[0].Action);
        Assert.Equal(HealingAction.TriggerStatus, rules.LadderFor("Other", "Volt", IncidentKind.ConnectorFaulted)!.Steps[0].Action);
        Assert.Null(rules.LadderFor("Acme", "Volt", IncidentKind.SessionStuck));
    }

    [Fact]
    public void the_last_definition_is_in_force()
    {
        var first = new HealingRulesDefined(Thresholds with { TruckRollCost = 150m }, [], At(0));
        var second = new HealingRulesDefined(Thresholds with { TruckRollCost = 250m }, [], At(10));

        var rules = new object[] { first, second }.Aggregate(HealingRules.Default, HealingRules.Evolve);

        Assert.Equal(250m, rules.Thresholds.TruckRollCost);
        Assert.Empty(rules.Ladders);
    }
}
