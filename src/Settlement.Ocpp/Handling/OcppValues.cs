using System.Globalization;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Sessions;
using Settlement.Ocpp.Framing;

namespace Settlement.Ocpp.Handling;

/// <summary>Reading OCPP payload values (already schema-checked) into ledger types.</summary>
internal static class OcppValues
{
    public static string Text(JsonObject payload, string name) => payload[name]!.GetValue<string>();

    public static string? OptionalText(JsonObject? payload, string name) => payload?[name]?.GetValue<string>();

    public static int Integer(JsonObject payload, string name) => payload[name]!.GetValue<int>();

    public static Instant Time(JsonNode? node, Instant fallback)
    {
        if (node is null) return fallback;
        var parsed = OffsetDateTimePattern.ExtendedIso.Parse(node.GetValue<string>());
        return parsed.Success
            ? parsed.Value.ToInstant()
            : throw new OcppCallException(OcppErrorCodes.PropertyConstraintViolation, $"'{node}' is not an ISO 8601 date-time with offset.");
    }

    public static TEnum Enum<TEnum>(string value, TEnum fallback) where TEnum : struct, System.Enum =>
        System.Enum.TryParse<TEnum>(value, ignoreCase: false, out var parsed) ? parsed : fallback;

    /// <summary>
    /// The energy register, power and state of charge of each OCPP meterValue element. Elements
    /// without an Energy.Active.Import.Register sample carry no energy and are left out.
    /// </summary>
    public static IReadOnlyList<MeterReading> Readings(JsonArray? meterValues, Instant fallback)
    {
        if (meterValues is null) return [];
        var readings = new List<MeterReading>();
        foreach (var element in meterValues.OfType<JsonObject>())
        {
            long? energyWh = null;
            decimal? powerW = null;
            int? soc = null;
            foreach (var sample in (element["sampledValue"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (sample["phase"] is not null) continue; // totals only: per-phase values would be counted twice
                var measurand = OptionalText(sample, "measurand") ?? "Energy.Active.Import.Register";
                var value = SampleValue(sample);
                switch (measurand)
                {
                    case "Energy.Active.Import.Register":
                        energyWh = (long)Math.Round(value * UnitFactor(sample, "Wh"), MidpointRounding.AwayFromZero);
                        break;
                    case "Power.Active.Import":
                        powerW = value * UnitFactor(sample, "W");
                        break;
                    case "SoC":
                        soc = (int)Math.Round(value, MidpointRounding.AwayFromZero);
                        break;
                }
            }
            if (energyWh is { } energy)
                readings.Add(new MeterReading(Time(element["timestamp"], fallback), energy, powerW, soc));
        }
        return readings;
    }

    // 1.6 sends the value as a decimal string, 2.0.1 as a JSON number.
    private static decimal SampleValue(JsonObject sample) => sample["value"] switch
    {
        JsonValue v when v.TryGetValue<string>(out var text) => decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new OcppCallException(OcppErrorCodes.PropertyConstraintViolation, $"sampled value '{text}' is not a number."),
        JsonValue v => v.GetValue<decimal>(),
        _ => throw new OcppCallException(OcppErrorCodes.TypeConstraintViolation, "sampled value is missing."),
    };

    /// <summary>Scales kWh/kW (1.6 "unit", 2.0.1 "unitOfMeasure" with a power-of-ten multiplier) to Wh/W.</summary>
    private static decimal UnitFactor(JsonObject sample, string baseUnit)
    {
        var unit = OptionalText(sample, "unit") ?? OptionalText(sample["unitOfMeasure"] as JsonObject, "unit") ?? baseUnit;
        var multiplier = (sample["unitOfMeasure"] as JsonObject)?["multiplier"]?.GetValue<int>() ?? 0;
        var scale = unit == "k" + baseUnit ? 1_000m : 1m;
        for (var i = 0; i < Math.Abs(multiplier); i++)
            scale = multiplier > 0 ? scale * 10 : scale / 10;
        return scale;
    }

    public static string Format(Instant instant) => InstantPattern.ExtendedIso.Format(instant);
}
