using System.Text.Json;
using CsCheck;
using NodaTime;
using Settlement.Domain.Chargers;
using Settlement.Domain.SelfHealing;
using Settlement.Domain.Sessions;
using Settlement.Ledger;
using Settlement.Projections.SelfHealing;
using Xunit;
using static Settlement.Tests.SelfHealing.HealingSpec;

namespace Settlement.Tests.SelfHealing;

/// <summary>
/// Invariants over random histories: an incident rebuilt from its events is the incident decided live (state and read
/// model), never takes a rung twice and never acts once closed; detection is deterministic, resumes exactly from its
/// stored state, and keeps at most one open incident per charger, EVSE and kind.
/// </summary>
public sealed class incident_property_tests
{
    private const int Iterations = 300;

    // ---- The ladder ----

    internal sealed record Trigger(int Kind, int Step, HealingActionResult Result, int AdvanceSeconds);

    private static readonly Gen<HealingLadder?> Ladders = Gen.Int[-1, 4].SelectMany(count => count < 0
        ? Gen.Const((HealingLadder?)null)
        : Gen.Select(Gen.Enum<HealingAction>(), Gen.Int[1, 600]).Array[count]
            .Select(steps => (HealingLadder?)new HealingLadder("*", "*", IncidentKind.ConnectorFaulted, [.. steps.Select(s => new HealingStep(s.Item1, s.Item2))])));

    // Step 0 stands for the rung in progress, so that most triggers are timely and some are stale.
    private static readonly Gen<Trigger[]> Triggers = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 5], Gen.Enum<HealingActionResult>(), Gen.Int[0, 700])
        .Select(t => new Trigger(t.Item1, t.Item2, t.Item3, t.Item4)).Array[0, 25];

    internal static readonly Gen<(IncidentKind Kind, HealingLadder? Ladder, Trigger[] Triggers)> Incidents =
        Gen.Select(Gen.Enum<IncidentKind>(), Ladders, Triggers);

    internal static (List<object> Events, IncidentState Live) Run(IncidentKind kind, HealingLadder? ladder, Trigger[] triggers, string id = "INC-1-Property")
    {
        List<object> events = [Opened(id, kind)];
        var state = IncidentState.Replay(events)!;
        var now = T0;
        long sequence = 100;
        foreach (var trigger in triggers)
        {
            now += Duration.FromSeconds(trigger.AdvanceSeconds);
            var step = trigger.Step == 0 ? state.CurrentStep?.Step ?? 1 : trigger.Step;
            IncidentTrigger next = trigger.Kind switch
            {
                0 => new Begin(),
                1 => new ActionAnswered(step, trigger.Result, null, now),
                2 => new EvidenceOverdue(step),
                _ => new RecoverySeen("seen", ++sequence, now),
            };
            var decision = IncidentProcess.Decide(state, next, ladder, now);
            Assert.Null(decision.Refusal);
            foreach (var @event in decision.Events)
            {
                events.Add(@event);
                state = IncidentState.Evolve(state, @event)!;
            }
        }
        return (events, state);
    }

    [Fact]
    public void an_incident_rebuilt_from_its_events_is_the_incident_decided_live() =>
        Incidents.Sample(c =>
        {
            var (events, live) = Run(c.Kind, c.Ladder, c.Triggers);

            Same(live, IncidentState.Replay(events));
            Same(IncidentEntry.Of(live), events.Aggregate((IncidentEntry?)null, IncidentEntries.Evolve));
            // Through the stored JSON too: what the ledger reads back folds to the same incident.
            var stored = events.Select(e => JsonSerializer.Deserialize(AsJson(e), e.GetType(), LedgerJson.Options)!).ToList();
            Same(live, IncidentState.Replay(stored));
        }, iter: Iterations);

    [Fact]
    public void an_incident_never_takes_a_rung_twice_and_never_acts_after_it_closed() =>
        Incidents.Sample(c =>
        {
            var (events, _) = Run(c.Kind, c.Ladder, c.Triggers);

            var taken = events.OfType<HealingActionTaken>().Select(t => t.Step).ToList();
            Assert.Equal(Enumerable.Range(1, taken.Count), taken);
            Assert.True(taken.Count <= (c.Ladder?.Steps.Count ?? 0));
            var answered = events.OfType<HealingActionAnswered>().Select(a => a.Step).ToList();
            Assert.Equal(answered.Distinct(), answered);
            Assert.All(answered, step => Assert.Contains(step, taken));

            var escalation = events.FindIndex(e => e is IncidentEscalated);
            var resolution = events.FindIndex(e => e is IncidentResolved);
            Assert.True(resolution < 0 || resolution == events.Count - 1, "nothing after the resolution");
            Assert.True(escalation < 0 || events.Skip(escalation + 1).All(e => e is IncidentResolved), "only recovery after the escalation");
            Assert.True(events.Count(e => e is IncidentEscalated) <= 1 && events.Count(e => e is IncidentResolved) <= 1);
        }, iter: Iterations);

    // ---- Detection ----

    private sealed record Op(int Kind, int Charger, int Evse, bool Charged, int AdvanceSeconds);

    private static readonly Gen<Op[]> Ops = Gen.Select(Gen.Int[0, 9], Gen.Int[1, 3], Gen.Int[1, 2], Gen.Bool, Gen.Int[0, 400])
        .Select(o => new Op(o.Item1, o.Item2, o.Item3, o.Item4, o.Item5)).Array[1, 60];

    private static readonly HealingRules Rules = HealingRules.Default with
    {
        Thresholds = HealingRules.Default.Thresholds with { OfflineGraceSeconds = 120, StuckSessionSeconds = 300, FailedStartsInRow = 2 },
    };

    /// <summary>Feeds the ops to detection; with <paramref name="storeAfter"/>, stores and reloads the state after that op, as a host restart would.</summary>
    private static List<string> Detect(Op[] ops, int? storeAfter = null)
    {
        var state = new DetectorState();
        var signals = new List<string>();
        long sequence = 0;
        var now = T0;
        var sessions = new Dictionary<int, string>();
        void Record(object @event) => signals.AddRange(IncidentDetection.Observe(state, @event, ++sequence, now, Rules).Select(AsJson));

        foreach (var charger in new[] { "CP-1", "CP-2", "CP-3" })
        {
            Record(Registered(charger));
            Record(Booted(charger));
        }
        for (var i = 0; i < ops.Length; i++)
        {
            var op = ops[i];
            var charger = $"CP-{op.Charger}";
            now += Duration.FromSeconds(op.AdvanceSeconds);
            switch (op.Kind)
            {
                case 0: Record(new ChargerWentOffline(charger, now, now)); break;
                case 1: Record(new ChargerCameBackOnline(charger, now)); break;
                case 2: Record(new FaultReported(charger, op.Evse, 1, op.Charged ? "InternalError" : "Faulted", null, null, now)); break;
                case 3: Record(new FaultReported(charger, op.Evse, 1, "GroundFailure", null, null, now)); break;
                case 4: Record(new FaultCleared(charger, op.Evse, 1, "InternalError", now)); break;
                case 5: Record(new ConnectorStatusChanged(charger, op.Evse, 1, ConnectorStatus.Available, now)); break;
                case 6:
                    sessions[op.Charger] = $"S-{i}";
                    Record(new SessionStartedV2($"S-{i}", charger, op.Evse, 1, $"TX-{i}", null, 1_000, now));
                    break;
                case 7 when sessions.TryGetValue(op.Charger, out var metered):
                    Record(new MeterValuesRecorded(metered, [new MeterReading(now, op.Charged ? 1_000 + i : 1_000, null, null)]));
                    break;
                case 8 when sessions.Remove(op.Charger, out var stopped):
                    Record(new SessionStopped(stopped, op.Charged ? 2_000 : 1_000, StopReason.Local, now));
                    break;
                default: signals.AddRange(IncidentDetection.Tick(state, now, Rules).Select(AsJson)); break;
            }
            if (i == storeAfter)
                state = JsonSerializer.Deserialize<DetectorState>(JsonSerializer.Serialize(state, LedgerJson.Options), LedgerJson.Options)!;
        }
        signals.AddRange(IncidentDetection.Tick(state, now + Duration.FromHours(1), Rules).Select(AsJson));
        return signals;
    }

    [Fact]
    public void detection_is_deterministic() =>
        Ops.Sample(ops => Assert.Equal(Detect(ops), Detect(ops)), iter: Iterations);

    [Fact]
    public void detection_resumes_exactly_from_its_stored_state() =>
        Ops.SelectMany(ops => Gen.Int[0, ops.Length - 1].Select(cut => (ops, cut)))
            .Sample(c => Assert.Equal(Detect(c.ops), Detect(c.ops, c.cut)), iter: Iterations);

    [Fact]
    public void at_most_one_incident_is_open_per_charger_evse_and_kind_and_only_an_open_one_recovers() =>
        Ops.Sample(ops =>
        {
            var open = new Dictionary<string, (string, int, IncidentKind)>();
            var detected = Detect(ops).Select(json => JsonDocument.Parse(json).RootElement).ToList();
            foreach (var signal in detected)
            {
                if (signal.TryGetProperty("opened", out var opened))
                {
                    var key = (opened.GetProperty("chargerId").GetString()!, opened.GetProperty("evseId").GetInt32(),
                        Enum.Parse<IncidentKind>(opened.GetProperty("kind").GetString()!));
                    Assert.DoesNotContain(key, open.Values);
                    Assert.True(open.TryAdd(opened.GetProperty("incidentId").GetString()!, key), "an incident id opens once");
                }
                else
                    Assert.True(open.Remove(signal.GetProperty("incidentId").GetString()!), "recovery of an open incident");
            }
        }, iter: Iterations);
}
