using NodaTime;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Monetary;
using Settlement.Domain.Roaming;

namespace Settlement.Tests.Invoicing.Drafting;

/// <summary>
/// CDRs of a roaming partner as the CDR module issues them: derived from a priced session, so their totals are the
/// session's, with VAT at the session's rate (none when the partner is reverse-charged).
/// </summary>
internal static class PartnerCdrs
{
    public const string PartnerId = "FR-RFR";

    /// <summary>The CDR of a priced session, VAT at its rate unless <paramref name="reverseCharged"/>.</summary>
    public static InvoicedCdr Of(InvoicedSession session, string cdrId, bool reverseCharged = false, string partnerId = PartnerId)
    {
        var price = session.Price;
        var net = price.TotalExclVat;
        var vat = reverseCharged ? null : (decimal?)(net + (net * session.Tax.RatePercent / 100m).Round(MidpointRounding.AwayFromZero)).Amount;
        return With(session, cdrId, net.Amount, vat, price.EnergyWh / 1000m, price.From, price.Until, partnerId);
    }

    /// <summary>A CDR with the given amounts and times, billing <paramref name="session"/>'s site and time zone.</summary>
    public static InvoicedCdr With(
        InvoicedSession session, string cdrId, decimal exclVat, decimal? inclVat, decimal kwh, Instant startedAt, Instant endedAt, string partnerId = PartnerId) =>
        new(new CdrIssuedV2(partnerId, cdrId, session.SessionId, "token-" + session.SessionId, "RFID", "WHITELIST", null,
                Location(session), session.Price.Currency, session.Price.Tariffs,
                [new CdrChargingPeriod(startedAt, [new CdrDimension(CdrDimensionType.Energy, kwh)], null)],
                new CdrCost(exclVat, inclVat), null, kwh, new CdrCost(exclVat, inclVat), 0m, null, null, null,
                startedAt, endedAt, Credit: false, CreditReferenceId: null, CreditReason: null, endedAt + Duration.FromMinutes(1)),
            new SourceEvent(Cdrs.Stream(cdrId), 1, "cdr_issued_v2"), session);

    /// <summary>The credit CDR reversing <paramref name="credited"/>: its costs negated, naming it.</summary>
    public static InvoicedCdr CreditOf(InvoicedCdr credited, string cdrId)
    {
        var cost = credited.Cdr.TotalCost;
        var negated = new CdrCost(-cost.ExclVat, -cost.InclVat);
        return credited with
        {
            Cdr = credited.Cdr with
            {
                CdrId = cdrId, TotalCost = negated, TotalEnergyCost = negated, Credit = true, CreditReferenceId = credited.Cdr.CdrId,
                IssuedAt = credited.Cdr.IssuedAt + Duration.FromDays(3),
            },
            Source = new SourceEvent(Cdrs.Stream(cdrId), 1, "cdr_issued_v2"),
        };
    }

    public static CdrLocation Location(InvoicedSession session) =>
        new(session.SiteId, session.SiteName, "Hauptstr. 1", "Berlin", "10115", null, "DEU", 52.52m, 13.40m,
            session.SiteId + "-1", "DE*SET*E" + session.SiteId.Replace("-", ""), "1", "IEC_62196_T2", "SOCKET", "AC_3_PHASE");
}
