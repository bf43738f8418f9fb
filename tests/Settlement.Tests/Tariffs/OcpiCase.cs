using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Tariffs;
using Settlement.Host.Roaming.Ocpi;

namespace Settlement.Tests.Tariffs;

/// <summary>
/// Reads the OCPI reference cases, the reference data's <c>ocpi-tariff-cases/cases/</c>: an OCPI tariff
/// (through the production OCPI mapping) and a CDR's charging periods.
/// </summary>
internal static class OcpiCase
{
    public static JsonNode Read(string @case, string file) => JsonNode.Parse(File.ReadAllText(RepositoryFiles.OcpiTariffCase(@case, file)))!;

    /// <summary>
    /// The case's OCPI tariff read as the OCPI module reads one (OcpiJson into <see cref="OcpiTariff"/>) and mapped
    /// by the production mapping, <see cref="OcpiTariffs.ToPublish"/>, into the version priced.
    /// </summary>
    public static TariffPublished Tariff(JsonNode ocpi, Instant validFrom)
    {
        var tariff = ocpi.Deserialize<OcpiTariff>(OcpiJson.Options)!;
        Assert.Empty(OcpiTariffs.Problems(tariff));
        var version = OcpiTariffs.ToPublish(tariff, validFrom);
        return new TariffPublished(version.TariffId, Version: 1, version.Currency, version.PricesIncludeVat, version.Elements,
            version.ValidFrom, version.ValidUntil, PublishedAt: validFrom);
    }

    public static Instant Instant(JsonNode? node) =>
        InstantPattern.ExtendedIso.Parse(((string)node!).Replace(".000Z", "Z")).Value;

    /// <summary>The CDR's charging periods, each ending where the next begins (the last at the CDR's end).</summary>
    public static IReadOnlyList<PricingPeriod> Periods(JsonNode cdr)
    {
        var periods = cdr["charging_periods"]!.AsArray();
        var end = Instant(cdr["end_date_time"]);
        var first = Instant(periods[0]!["start_date_time"]);
        var energyBefore = 0m;
        var result = new List<PricingPeriod>();
        for (var i = 0; i < periods.Count; i++)
        {
            var start = Instant(periods[i]!["start_date_time"]);
            var until = i + 1 < periods.Count ? Instant(periods[i + 1]!["start_date_time"]) : end;
            var dimensions = periods[i]!["dimensions"]!.AsArray()
                .ToDictionary(d => (string)d!["type"]!, d => decimal.Parse(d!["volume"]!.ToJsonString().Trim('"'), CultureInfo.InvariantCulture));
            var energyWh = dimensions.GetValueOrDefault("ENERGY") * 1000m;
            result.Add(new PricingPeriod(
                start, until, energyWh,
                ChargingSeconds: dimensions.GetValueOrDefault("TIME") * 3600m,
                ParkingSeconds: dimensions.GetValueOrDefault("PARKING_TIME") * 3600m,
                EnergyBeforeWh: energyBefore,
                Elapsed: start - first,
                PowerKw: dimensions.TryGetValue("MAX_POWER", out var power) ? power : null,
                CurrentA: dimensions.TryGetValue("MAX_CURRENT", out var current) ? current : null,
                Span: 0));
            energyBefore += energyWh;
        }
        return result;
    }

    public static ComponentCost? ExpectedCost(JsonNode cdr, string field) =>
        cdr[field] is { } cost ? new ComponentCost((decimal)cost["excl_vat"]!, (decimal?)cost["incl_vat"] ?? (decimal)cost["excl_vat"]!) : null;
}
