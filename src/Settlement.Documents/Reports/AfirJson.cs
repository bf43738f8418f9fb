using System.Text.Json;
using Settlement.Domain.Monetary;
using Settlement.Domain.Reports;
using static Settlement.Documents.DocumentNumbers;

namespace Settlement.Documents.Reports;

/// <summary>
/// The AFIR Art. 20 feed of our recharging pools as JSON, schemas/reports/afir-feed.v1.json. Coordinates,
/// power and prices are strings ("48.137154", "300", "0.59") so no JSON reader turns them into floats;
/// prices have at least the currency's minor units and keep any further decimals the tariff has.
/// </summary>
public static class AfirJson
{
    public const string SchemaId = "https://settlement.dev/schemas/reports/afir-feed.v1.json";

    public static byte[] Render(AfirFeed feed)
    {
        ArgumentNullException.ThrowIfNull(feed);
        return DocumentJson.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("$schema", SchemaId);
            json.WriteString("generatedAt", DocumentDates.Instant(feed.GeneratedAt));
            ReportJson.WriteSource(json, feed.Source);
            json.WriteStartArray("pools");
            foreach (var pool in feed.Pools)
                WritePool(json, pool);
            json.WriteEndArray();
            json.WriteStartArray("withheld");
            foreach (var site in feed.Withheld)
            {
                json.WriteStartObject();
                json.WriteString("poolId", site.PoolId);
                json.WriteString("countryCode", site.CountryCode);
                json.WriteStartArray("reasons");
                foreach (var reason in site.Reasons) json.WriteStringValue(reason.ToString());
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static void WritePool(Utf8JsonWriter json, AfirPool pool)
    {
        json.WriteStartObject();
        json.WriteString("poolId", pool.PoolId);
        json.WriteString("name", pool.Name);

        json.WriteStartObject("operator");
        json.WriteString("operatorId", pool.Operator.OperatorId);
        json.WriteString("name", pool.Operator.Name);
        json.WriteString("helpdeskPhone", pool.Operator.HelpdeskPhone);
        json.WriteEndObject();

        json.WriteStartObject("coordinates");
        json.WriteString("latitude", Plain(pool.Coordinates.Latitude));
        json.WriteString("longitude", Plain(pool.Coordinates.Longitude));
        json.WriteEndObject();

        json.WriteString("countryCode", pool.CountryCode);
        if (pool.Address is { } address)
        {
            json.WriteStartObject("address");
            json.WriteString("street", address.Street);
            json.WriteString("postalCode", address.PostalCode);
            json.WriteString("city", address.City);
            json.WriteEndObject();
        }
        else
            json.WriteNull("address");
        json.WriteString("timeZone", pool.TimeZone);
        json.WriteBoolean("openTwentyFourSeven", pool.OpeningHours.TwentyFourSeven);
        json.WriteStartArray("openingPeriods");
        foreach (var period in pool.OpeningHours.Periods)
        {
            json.WriteStartObject();
            json.WriteStartArray("days");
            foreach (var day in period.Days) json.WriteStringValue(day.ToString());
            json.WriteEndArray();
            json.WriteString("from", period.From);
            json.WriteString("until", period.Until);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("adHocPaymentMethods");
        foreach (var method in pool.AdHocPaymentMethods) json.WriteStringValue(method.ToString());
        json.WriteEndArray();
        if (pool.BarrierFree is { } barrierFree) json.WriteBoolean("barrierFree", barrierFree);
        else json.WriteNull("barrierFree");

        json.WriteStartArray("rechargingPoints");
        foreach (var point in pool.RechargingPoints)
            WritePoint(json, point);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WritePoint(Utf8JsonWriter json, AfirRechargingPoint point)
    {
        json.WriteStartObject();
        json.WriteString("evseId", point.EvseId);

        json.WriteStartArray("connectors");
        foreach (var connector in point.Connectors)
        {
            json.WriteStartObject();
            json.WriteString("standard", connector.Standard.ToString());
            json.WriteString("powerType", connector.PowerType.ToString());
            json.WriteString("maxPowerKw", Plain(connector.MaxPowerKw));
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartObject("status");
        json.WriteString("operationalStatus", point.Status.OperationalStatus.ToString());
        json.WriteString("lastUpdated", DocumentDates.Instant(point.Status.LastUpdated));
        json.WriteEndObject();

        var price = point.AdHocPrice;
        var currency = Currency.FromCode(price.Currency);
        json.WriteStartObject("adHocPrice");
        json.WriteString("currency", currency.Code);
        WritePrice(json, "perKwhInclVat", price.PerKwhInclVat, currency);
        WritePrice(json, "perMinuteInclVat", price.PerMinuteInclVat, currency);
        WritePrice(json, "perHourInclVat", price.PerHourInclVat, currency);
        WritePrice(json, "perSessionInclVat", price.PerSessionInclVat, currency);
        WritePrice(json, "perIdleHourInclVat", price.PerIdleHourInclVat, currency);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WritePrice(Utf8JsonWriter json, string name, decimal? price, Currency currency)
    {
        if (price is { } amount)
            json.WriteString(name, UnitPrice(amount, currency));
        else
            json.WriteNull(name);
    }
}
