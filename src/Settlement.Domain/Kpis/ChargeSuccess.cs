using NodaTime;
using Settlement.Domain.Sessions;

namespace Settlement.Domain.Kpis;

public enum AttemptOutcome { Succeeded, Failed, Undecided }

/// <summary>Attempts and how they ended. <see cref="RatePercent"/> is over decided attempts only; null when there are none.</summary>
public sealed record SuccessTally(int Succeeded, int Failed, int Undecided)
{
    public static readonly SuccessTally None = new(0, 0, 0);

    public int Attempts => Succeeded + Failed + Undecided;

    /// <summary>Unrounded: round when presenting.</summary>
    public decimal? RatePercent => Succeeded + Failed == 0 ? null : Succeeded * 100m / (Succeeded + Failed);

    public SuccessTally With(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Succeeded => this with { Succeeded = Succeeded + 1 },
        AttemptOutcome.Failed => this with { Failed = Failed + 1 },
        _ => this with { Undecided = Undecided + 1 },
    };
}

public readonly record struct ModelKey(string Vendor, string Model);

/// <summary>Firmware versions are a vendor's own numbering, so they are compared within a model. Null: never reported.</summary>
public readonly record struct FirmwareKey(string Vendor, string Model, string? Firmware);

public sealed record ChargeSuccessReport(
    Instant From,
    Instant Until,
    SuccessTally Total,
    IReadOnlyDictionary<Port, SuccessTally> ByPort,
    IReadOnlyDictionary<string, SuccessTally> ByCharger,
    IReadOnlyDictionary<string, SuccessTally> BySite,
    IReadOnlyDictionary<ModelKey, SuccessTally> ByModel,
    IReadOnlyDictionary<FirmwareKey, SuccessTally> ByFirmware);

/// <summary>
/// Charge success rate: of the attempts whose outcome is known, the share that transferred energy.
/// <list type="bullet">
/// <item>Attempt: a session with an accepted authorisation or a start. A rejected authorisation that never started
/// is not an attempt: the driver was turned away before trying to charge.</item>
/// <item>Succeeded: energy transferred (EnergyWh &gt; 0), however it ended.</item>
/// <item>Failed: stopped with 0 Wh (a fault stop included), or authorised and not started within
/// <see cref="StartGrace"/>.</item>
/// <item>Undecided: still running with 0 Wh, or authorised less than <see cref="StartGrace"/> before the judgement.
/// Counted as attempts, left out of the rate.</item>
/// <item>Attributed to the period holding its authorisation instant, or its start when there is none; judged at the
/// period end. Grouped by port, charger, site, vendor/model, and firmware in use when it started (or was authorised).
/// An attempt authorised before an EVSE was chosen (EVSE 0) counts for port {charger}/0.</item>
/// </list>
/// </summary>
public static class ChargeSuccess
{
    /// <summary>Time from authorisation for the vehicle to start drawing a session: plug-in and handshake take a few
    /// minutes, and a charger's own connection timeout is shorter still.</summary>
    public static readonly Duration StartGrace = Duration.FromMinutes(10);

    /// <summary>When the driver tried, or null when the session is no attempt.</summary>
    public static Instant? AttemptedAt(SessionFacts session) =>
        session.Authorisation == AuthorisationOutcome.Accepted || session.StartedAt is not null
            ? session.AuthorisedAt ?? session.StartedAt
            : null;

    public static AttemptOutcome Outcome(SessionFacts session, Instant judgedAt) => session switch
    {
        { EnergyWh: > 0 } => AttemptOutcome.Succeeded,
        { StoppedAt: not null } => AttemptOutcome.Failed,
        { StartedAt: null, AuthorisedAt: { } authorised } when authorised + StartGrace <= judgedAt => AttemptOutcome.Failed,
        _ => AttemptOutcome.Undecided,
    };

    public static ChargeSuccessReport For(IEnumerable<ChargerHistory> chargers, Instant from, Instant until)
    {
        var attempts = chargers
            .SelectMany(charger =>
            {
                var firmware = FirmwareHistory(charger.Facts);
                return charger.Sessions
                    .Where(session => AttemptedAt(session) is { } at && at >= from && at < until)
                    .Select(session => new Attempt(
                        charger.Profile,
                        new Port(charger.Profile.ChargerId, session.EvseId),
                        FirmwareAt(firmware, (session.StartedAt ?? session.AuthorisedAt)!.Value),
                        Outcome(session, until)));
            })
            .ToList();

        return new ChargeSuccessReport(
            from,
            until,
            attempts.Aggregate(SuccessTally.None, (tally, attempt) => tally.With(attempt.Outcome)),
            Tally(attempts, a => a.Port),
            Tally(attempts, a => a.Profile.ChargerId),
            Tally(attempts, a => a.Profile.SiteId),
            Tally(attempts, a => new ModelKey(a.Profile.Vendor, a.Profile.Model)),
            Tally(attempts, a => new FirmwareKey(a.Profile.Vendor, a.Profile.Model, a.Firmware)));
    }

    private sealed record Attempt(ChargerProfile Profile, Port Port, string? Firmware, AttemptOutcome Outcome);

    private static Dictionary<TKey, SuccessTally> Tally<TKey>(List<Attempt> attempts, Func<Attempt, TKey> key) where TKey : notnull =>
        attempts.GroupBy(key).ToDictionary(
            group => group.Key,
            group => group.Aggregate(SuccessTally.None, (tally, attempt) => tally.With(attempt.Outcome)));

    private static List<(Instant At, string Version)> FirmwareHistory(IReadOnlyList<ChargerFact> facts) =>
        facts.Where(fact => fact is { Kind: ChargerFactKind.Firmware, Code: not null })
            .OrderBy(fact => fact.At)
            .Select(fact => (fact.At, fact.Code!))
            .ToList();

    private static string? FirmwareAt(List<(Instant At, string Version)> history, Instant at)
    {
        int low = 0, high = history.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (history[middle].At <= at) low = middle + 1;
            else high = middle;
        }
        return low == 0 ? null : history[low - 1].Version;
    }
}
