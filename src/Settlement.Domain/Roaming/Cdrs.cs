using System.Security.Cryptography;
using System.Text;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Monetary;
using Settlement.Domain.Tariffs;

namespace Settlement.Domain.Roaming;

/// <summary>What the CDR states of how a roamed session was authorised; the token is named by its registry id.</summary>
public sealed record RoamedSessionAuthorisation(
    string PartnerId,
    string SessionId,
    string TokenId,
    string TokenType,
    string AuthMethod,
    string? AuthorizationReference);

/// <summary>
/// Issues OCPI CDRs from priced sessions. A CDR is the priced session restated: its totals are the price's rounded to
/// the currency's minor units (half away from zero, as the price rounds its totals), its charging periods are the
/// session cut where the price's lines change, with the volumes metered exactly as the pricer metered them.
/// </summary>
public static class Cdrs
{
    private const decimal WhPerKwh = 1000m;
    private const decimal SecondsPerHour = 3600m;

    /// <summary>Hours are kept to six decimals (3.6 ms): a third of an hour has no exact decimal, and a rendering must be short and stable.</summary>
    public const int HourDecimals = 6;

    /// <summary>The one CDR of a session: the same session always gives the same id (35 characters, within OCPI's 36).</summary>
    public static string CdrIdOf(string sessionId) => "CDR" + Hash("cdr\n" + sessionId);

    /// <summary>The one credit CDR of a CDR: a credit cancels the whole CDR, so there is at most one.</summary>
    public static string CreditIdOf(string cdrId) => "CRD" + Hash("credit\n" + cdrId);

    public static string Stream(string cdrId) => $"cdr:{cdrId}";

    /// <summary>The CDR of a stopped, priced session.</summary>
    /// <exception cref="ArgumentException">When the price does not cover the session's usage (it was priced before it stopped).</exception>
    public static CdrIssuedV2 Issue(RoamedSessionAuthorisation session, SessionUsage usage, SessionPrice price, CdrLocation location, Instant issuedAt)
    {
        if (usage.StoppedAt is not { } stoppedAt || price.Until != stoppedAt)
            throw new ArgumentException($"Session {session.SessionId} is priced up to {price.Until}, not to its stop: a CDR is issued once the price is final.", nameof(price));
        var currency = Currency.FromCode(price.Currency);
        return new CdrIssuedV2(
            session.PartnerId, CdrIdOf(session.SessionId), session.SessionId, session.TokenId, session.TokenType, session.AuthMethod,
            session.AuthorizationReference, location, price.Currency, price.Tariffs, ChargingPeriods(usage, price),
            new CdrCost(Cents(price.TotalExclVat.Amount, currency), Cents(price.TotalInclVat.Amount, currency)),
            Cost(price.Flat, currency, price, PriceComponentType.Flat),
            price.EnergyWh / WhPerKwh,
            Cost(price.Energy, currency, price, PriceComponentType.Energy),
            Hours(price.ChargingSeconds),
            Cost(price.Time, currency, price, PriceComponentType.Time),
            Hours(price.ParkingSeconds),
            Cost(price.Parking, currency, price, PriceComponentType.ParkingTime),
            price.From, stoppedAt, Credit: false, CreditReferenceId: null, CreditReason: null, issuedAt);
    }

    /// <summary>
    /// The operator credits a CDR: its credit CDR, or every reason not to at once (no such CDR, a credit CDR, already
    /// credited, no reason given). <paramref name="creditIssued"/>: whether the CDR's credit CDR exists already.
    /// </summary>
    public static Decision DecideCredit(string cdrId, CdrIssuedV2? cdr, bool creditIssued, string? reason, Instant now)
    {
        if (cdr is null) return Decision.Refuse(RefusalKind.NotFound, $"No CDR {cdrId} was issued.");
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > 500) problems.Add("reason: say why the CDR is credited, in 1 to 500 characters.");
        if (cdr.Credit) problems.Add($"CDR {cdrId} is a credit CDR; credit the CDR it credits ({cdr.CreditReferenceId}) instead, or issue nothing.");
        if (creditIssued) problems.Add($"CDR {cdrId} was credited already ({CreditIdOf(cdrId)}); a CDR is credited once, in full.");
        if (problems.Count > 0) return Decision.Refuse(creditIssued && problems.Count == 1 ? RefusalKind.Conflict : RefusalKind.Invalid, problems);
        return Decision.Accept(Credit(cdr, reason!.Trim(), now));
    }

    /// <summary>The credit CDR cancelling <paramref name="cdr"/>: every cost negated, every volume as it was.</summary>
    /// <exception cref="ArgumentException">When <paramref name="cdr"/> is itself a credit.</exception>
    public static CdrIssuedV2 Credit(CdrIssuedV2 cdr, string reason, Instant issuedAt)
    {
        if (cdr.Credit) throw new ArgumentException($"CDR {cdr.CdrId} is a credit CDR; only a CDR is credited.", nameof(cdr));
        return cdr with
        {
            CdrId = CreditIdOf(cdr.CdrId), TotalCost = Negated(cdr.TotalCost)!, TotalFixedCost = Negated(cdr.TotalFixedCost),
            TotalEnergyCost = Negated(cdr.TotalEnergyCost), TotalTimeCost = Negated(cdr.TotalTimeCost), TotalParkingCost = Negated(cdr.TotalParkingCost),
            Credit = true, CreditReferenceId = cdr.CdrId, CreditReason = reason, IssuedAt = issuedAt,
        };
    }

    /// <summary>
    /// The session cut wherever one of the price's lines starts or ends: each period has the energy, the charging time
    /// (TIME) and the idle time (PARKING_TIME) metered in it, and the tariff whose lines price it.
    /// </summary>
    public static IReadOnlyList<CdrChargingPeriod> ChargingPeriods(SessionUsage usage, SessionPrice price)
    {
        var cuts = price.Lines.SelectMany(line => new[] { line.From, line.Until });
        return SessionPricer.Slices(usage, cuts).Select(slice => new CdrChargingPeriod(slice.From, Dimensions(slice), TariffOf(slice, price))).ToList();
    }

    private static List<CdrDimension> Dimensions(UsageSlice slice)
    {
        // ENERGY always, even at zero: a period states at least one dimension, and an idle one states that nothing flowed.
        var dimensions = new List<CdrDimension> { new(CdrDimensionType.Energy, slice.EnergyWh / WhPerKwh) };
        if (slice.ChargingSeconds > 0m) dimensions.Add(new CdrDimension(CdrDimensionType.Time, Hours(slice.ChargingSeconds)));
        if (slice.ParkingSeconds > 0m) dimensions.Add(new CdrDimension(CdrDimensionType.ParkingTime, Hours(slice.ParkingSeconds)));
        return dimensions;
    }

    /// <summary>The tariff of a line covering the period's start; when none prices it, the session's only tariff, if it had one.</summary>
    private static string? TariffOf(UsageSlice slice, SessionPrice price) =>
        price.Lines.FirstOrDefault(line => line.Component != PriceComponentType.Flat && line.From <= slice.From && slice.From < line.Until)?.TariffId
        ?? (price.Tariffs.Select(t => t.TariffId).Distinct().ToList() is [var only] ? only : null);

    /// <summary>Null when no line priced the component: OCPI leaves a breakdown out rather than stating a zero nobody charged.</summary>
    private static CdrCost? Cost(ComponentCost cost, Currency currency, SessionPrice price, PriceComponentType component) =>
        price.Lines.Any(line => line.Component == component) ? new CdrCost(Cents(cost.ExclVat, currency), Cents(cost.InclVat, currency)) : null;

    private static decimal Cents(decimal amount, Currency currency) => new Money(amount, currency).Round(MidpointRounding.AwayFromZero).Amount;

    public static decimal Hours(decimal seconds) => decimal.Round(seconds / SecondsPerHour, HourDecimals, MidpointRounding.ToEven);

    private static CdrCost? Negated(CdrCost? cost) => cost is null ? null : new CdrCost(-cost.ExclVat, -cost.InclVat);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
}

/// <summary>
/// How our network is named on OCPI, for CDRs (and any module that must agree with them): a site is a Location (its id),
/// an EVSE's uid is "{charger}-{evse}", a connector's id its number; an EVSE id follows eMI3 ("DE*STL*E{charger}*{evse}").
/// </summary>
public static class OcpiNetworkIds
{
    /// <summary>"{charger}*{evse}", with a digest of the charger id where that would pass OCPI's 36 characters.</summary>
    public static string EvseUid(string chargerId, int evseId)
    {
        var uid = $"{chargerId}*{evseId}";
        return uid.Length <= 36
            ? uid
            : $"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(chargerId)))[..24]}*{evseId}";
    }

    public static string EvseId(string countryCode, string partyId, string chargerId, int evseId) =>
        Clip($"{countryCode}*{partyId}*E{string.Concat(chargerId.Where(char.IsAsciiLetterOrDigit)).ToUpperInvariant()}*{evseId}", 48);

    /// <summary>OCPI's ConnectorType, ConnectorFormat and PowerType of one of our connector standards.</summary>
    public static (string Standard, string Format, string PowerType) Connector(Chargers.ConnectorStandard standard) => standard switch
    {
        Chargers.ConnectorStandard.Type2 => ("IEC_62196_T2", "SOCKET", "AC_3_PHASE"),
        Chargers.ConnectorStandard.Type1 => ("IEC_62196_T1", "CABLE", "AC_1_PHASE"),
        Chargers.ConnectorStandard.Ccs2 => ("IEC_62196_T2_COMBO", "CABLE", "DC"),
        Chargers.ConnectorStandard.Ccs1 => ("IEC_62196_T1_COMBO", "CABLE", "DC"),
        Chargers.ConnectorStandard.Chademo => ("CHADEMO", "CABLE", "DC"),
        Chargers.ConnectorStandard.Nacs => ("TESLA_S", "CABLE", "DC"),
        _ => throw new ArgumentOutOfRangeException(nameof(standard), standard, "No OCPI connector type for this standard."),
    };

    /// <summary>OCPI locations name countries by ISO 3166-1 alpha-3; ours are alpha-2 (the host runs without ICU's region data).</summary>
    public static string Alpha3(string alpha2) => IsoCountries.Alpha3(alpha2)
        ?? throw new ArgumentException($"No ISO 3166-1 alpha-3 code is known for country '{alpha2}'.", nameof(alpha2));

    public static string Clip(string text, int length) => text.Length <= length ? text : text[..length];

}
