using System.Globalization;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Tariffs;

namespace Settlement.Tests.Tariffs;

/// <summary>
/// Reads the OCPI reference cases, the reference data's <c>ocpi-tariff-cases/cases/</c>: an OCPI tariff
/// and a CDR's charging periods.
/// </summary>
internal static class OcpiCase
{
    public static JsonNode Read(string @case, string file) => JsonNode.Parse(File.ReadAllText(RepositoryFiles.OcpiTariffCase(@case, file)))!;

    public static TariffPublished Tariff(JsonNode ocpi, Instant validFrom) => new(
        TariffId: (string)ocpi["id"]!,
        Version: 1,
        Currency: (string)ocpi["currency"]!,
        PricesIncludeVat: false,
        Elements: ocpi["elements"]!.AsArray().Select(e => Element(e!)).ToList(),
        ValidFrom: validFrom,
        ValidUntil: null,
        PublishedAt: validFrom);

    private static TariffElement Element(JsonNode element) => new(
        element["price_components"]!.AsArray().Select(c => new PriceComponent(
            Type: Enum.Parse<PriceComponentType>(((string)c!["type"]!).Replace("_", ""), ignoreCase: true),
            Price: (decimal)c["price"]!,
            VatPercent: (decimal?)c["vat"],
            // OCPI's step_size 0 means "no rounding"; ours starts at 1 (Wh or second), which the reference
            // volumes never fall between.
            StepSize: Math.Max(1, (int)c["step_size"]!))).ToList(),
        element["restrictions"] is { } r ? Restrictions(r) : null);

    private static TariffRestrictions Restrictions(JsonNode r) => new(
        StartTime: (string?)r["start_time"],
        EndTime: (string?)r["end_time"],
        StartDate: Date(r["start_date"]),
        EndDate: Date(r["end_date"]),
        MinKwh: (decimal?)r["min_kwh"],
        MaxKwh: (decimal?)r["max_kwh"],
        MinCurrentA: (decimal?)r["min_current"],
        MaxCurrentA: (decimal?)r["max_current"],
        MinPowerKw: (decimal?)r["min_power"],
        MaxPowerKw: (decimal?)r["max_power"],
        MinDurationSeconds: (int?)r["min_duration"],
        MaxDurationSeconds: (int?)r["max_duration"],
        DaysOfWeek: r["day_of_week"]?.AsArray().Select(d => Enum.Parse<IsoDayOfWeek>((string)d!, ignoreCase: true)).ToList(),
        Reservation: r["reservation"] is { } reservation
            ? Enum.Parse<ReservationRestriction>(((string)reservation!).Replace("_", ""), ignoreCase: true)
            : null);

    private static LocalDate? Date(JsonNode? node) =>
        node is null ? null : LocalDatePattern.Iso.Parse((string)node!).Value;

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
