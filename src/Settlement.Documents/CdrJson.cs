using Settlement.Domain.Roaming;
using static Settlement.Documents.DocumentNumbers;

namespace Settlement.Documents;

/// <summary>
/// A charge detail record sent to a roaming partner, as JSON laid out like the invoice JSON. Amounts are
/// written exactly as issued (OCPI allows more decimals than the currency's minor units), as strings.
/// </summary>
public static class CdrJson
{
    public static byte[] Render(CdrIssued cdr)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        return DocumentJson.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("cdrId", cdr.CdrId);
            json.WriteString("partnerId", cdr.PartnerId);
            json.WriteString("sessionId", cdr.SessionId);
            json.WriteString("currency", cdr.Currency);
            json.WriteString("totalCostExclVat", Plain(cdr.TotalCostExclVat));
            json.WriteString("totalCostInclVat", Plain(cdr.TotalCostInclVat));
            json.WriteString("totalEnergyKwh", Plain(cdr.TotalEnergyKwh));
            json.WriteString("startedAt", DocumentDates.Instant(cdr.StartedAt));
            json.WriteString("endedAt", DocumentDates.Instant(cdr.EndedAt));
            json.WriteString("issuedAt", DocumentDates.Instant(cdr.IssuedAt));
            json.WriteEndObject();
        });
    }

    /// <summary>
    /// A v2 CDR as issued, everything the ledger holds of it: the token by its registry id (its uid is the driver's,
    /// rendered only for the partner), the location as it was, every charging period and cost. Deterministic, so a replay
    /// of the ledger renders it byte for byte.
    /// </summary>
    public static byte[] Render(CdrIssuedV2 cdr)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        return DocumentJson.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("cdrId", cdr.CdrId);
            json.WriteString("partnerId", cdr.PartnerId);
            json.WriteString("sessionId", cdr.SessionId);
            json.WriteString("tokenId", cdr.TokenId);
            json.WriteString("tokenType", cdr.TokenType);
            json.WriteString("authMethod", cdr.AuthMethod);
            if (cdr.AuthorizationReference is { } reference) json.WriteString("authorizationReference", reference);
            json.WriteStartObject("location");
            var location = cdr.Location;
            json.WriteString("locationId", location.LocationId);
            json.WriteString("address", location.Address);
            json.WriteString("city", location.City);
            json.WriteString("country", location.Country);
            json.WriteString("evseUid", location.EvseUid);
            json.WriteString("evseId", location.EvseId);
            json.WriteString("connectorId", location.ConnectorId);
            json.WriteEndObject();
            json.WriteString("currency", cdr.Currency);
            json.WriteStartArray("tariffs");
            foreach (var tariff in cdr.Tariffs) json.WriteStringValue($"{tariff.TariffId} v{tariff.Version}");
            json.WriteEndArray();
            json.WriteStartArray("chargingPeriods");
            foreach (var period in cdr.ChargingPeriods)
            {
                json.WriteStartObject();
                json.WriteString("startedAt", DocumentDates.Instant(period.StartedAt));
                if (period.TariffId is { } tariffId) json.WriteString("tariffId", tariffId);
                foreach (var dimension in period.Dimensions) json.WriteString(char.ToLowerInvariant(dimension.Type.ToString()[0]) + dimension.Type.ToString()[1..], Plain(dimension.Volume));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            Cost(json, "totalCost", cdr.TotalCost);
            Cost(json, "totalFixedCost", cdr.TotalFixedCost);
            json.WriteString("totalEnergyKwh", Plain(cdr.TotalEnergyKwh));
            Cost(json, "totalEnergyCost", cdr.TotalEnergyCost);
            json.WriteString("totalTimeHours", Plain(cdr.TotalTimeHours));
            Cost(json, "totalTimeCost", cdr.TotalTimeCost);
            if (cdr.TotalParkingTimeHours is { } parking) json.WriteString("totalParkingTimeHours", Plain(parking));
            Cost(json, "totalParkingCost", cdr.TotalParkingCost);
            json.WriteString("startedAt", DocumentDates.Instant(cdr.StartedAt));
            json.WriteString("endedAt", DocumentDates.Instant(cdr.EndedAt));
            json.WriteBoolean("credit", cdr.Credit);
            if (cdr.CreditReferenceId is { } credited) json.WriteString("creditReferenceId", credited);
            if (cdr.CreditReason is { } reason) json.WriteString("creditReason", reason);
            json.WriteString("issuedAt", DocumentDates.Instant(cdr.IssuedAt));
            json.WriteEndObject();
        });
    }

    private static void Cost(System.Text.Json.Utf8JsonWriter json, string name, CdrCost? cost)
    {
        if (cost is null) return;
        json.WriteStartObject(name);
        json.WriteString("exclVat", Plain(cost.ExclVat));
        if (cost.InclVat is { } incl) json.WriteString("inclVat", Plain(incl));
        json.WriteEndObject();
    }
}
