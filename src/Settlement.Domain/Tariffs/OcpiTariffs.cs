using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace Settlement.Domain.Tariffs;

// OCPI 2.2.1's Tariff object (module "Tariffs"), field for field; its JSON (snake_case, UPPER_SNAKE enums, DateTime)
// is the host's OcpiJson. Fields the spec requires are nullable here so that a missing one is told, not defaulted.

public sealed record OcpiTariff(
    string? Id,
    string? Currency,
    IReadOnlyList<OcpiTariffElement>? Elements,
    string? CountryCode = null,
    string? PartyId = null,
    string? Type = null,
    IReadOnlyList<OcpiDisplayText>? TariffAltText = null,
    string? TariffAltUrl = null,
    OcpiPrice? MinPrice = null,
    OcpiPrice? MaxPrice = null,
    object? EnergyMix = null,
    Instant? StartDateTime = null,
    Instant? EndDateTime = null,
    Instant? LastUpdated = null);

public sealed record OcpiTariffElement(IReadOnlyList<OcpiPriceComponent>? PriceComponents, OcpiTariffRestrictions? Restrictions = null);

public sealed record OcpiPriceComponent(PriceComponentType? Type, decimal? Price, decimal? Vat, int? StepSize);

public sealed record OcpiTariffRestrictions(
    string? StartTime = null,
    string? EndTime = null,
    string? StartDate = null,
    string? EndDate = null,
    decimal? MinKwh = null,
    decimal? MaxKwh = null,
    decimal? MinCurrent = null,
    decimal? MaxCurrent = null,
    decimal? MinPower = null,
    decimal? MaxPower = null,
    int? MinDuration = null,
    int? MaxDuration = null,
    IReadOnlyList<IsoDayOfWeek>? DayOfWeek = null,
    ReservationRestriction? Reservation = null);

public sealed record OcpiDisplayText(string? Language, string? Text);

public sealed record OcpiPrice(decimal? ExclVat, decimal? InclVat);

/// <summary>
/// Our tariffs as OCPI 2.2.1 Tariff objects and back. Both are read in the site's local time, so times, dates and days
/// of week pass unchanged. OCPI prices exclude VAT: a version published with prices including VAT is rendered with
/// each price divided by its VAT (to a millionth, the precision our price lines keep); an OCPI tariff is read as
/// prices excluding VAT. OCPI's step_size 0 (no steps) is our 1 (one Wh, one second).
/// </summary>
public static class OcpiTariffs
{
    /// <summary>A version of our tariff as the OCPI Tariff of party <paramref name="countryCode"/>/<paramref name="partyId"/>.</summary>
    public static OcpiTariff ToOcpi(TariffPublished tariff, string countryCode, string partyId, Instant startDateTime, Instant? endDateTime, Instant lastUpdated) => new(
        Id: tariff.TariffId,
        Currency: tariff.Currency,
        Elements: [.. tariff.Elements.Select(e => new OcpiTariffElement(
            [.. e.PriceComponents.Select(c => new OcpiPriceComponent(c.Type, PriceExclVat(c, tariff.PricesIncludeVat), c.VatPercent, c.StepSize))],
            e.Restrictions is { } r ? ToOcpi(r) : null))],
        CountryCode: countryCode,
        PartyId: partyId,
        StartDateTime: startDateTime,
        EndDateTime: endDateTime,
        LastUpdated: lastUpdated);

    private static decimal PriceExclVat(PriceComponent component, bool pricesIncludeVat) =>
        pricesIncludeVat && component.VatPercent is { } vat and > 0m
            ? Math.Round(component.Price / (1m + vat / 100m), 6, MidpointRounding.AwayFromZero)
            : component.Price;

    private static OcpiTariffRestrictions ToOcpi(TariffRestrictions r) => new(
        r.StartTime, r.EndTime, Date(r.StartDate), Date(r.EndDate), r.MinKwh, r.MaxKwh, r.MinCurrentA, r.MaxCurrentA,
        r.MinPowerKw, r.MaxPowerKw, r.MinDurationSeconds, r.MaxDurationSeconds, r.DaysOfWeek, r.Reservation);

    private static string? Date(LocalDate? date) => date is { } d ? LocalDatePattern.Iso.Format(d) : null;

    /// <summary>
    /// Where the object departs from the spec (a required field missing, a string too long, a date not YYYY-MM-DD), each
    /// naming the field as OCPI writes it; empty when it is a well-formed OCPI Tariff. What a tariff may say beyond its
    /// shape (overlaps, negative prices) is <see cref="TariffValidation"/>'s.
    /// </summary>
    public static IReadOnlyList<string> Problems(OcpiTariff tariff)
    {
        var problems = new List<string>();
        if (tariff.CountryCode is { } country && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper)))
            problems.Add($"country_code '{country}' is not 2 capital letters (ISO 3166-1 alpha-2)");
        if (tariff.PartyId is { } party && (party.Length != 3 || !party.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c))))
            problems.Add($"party_id '{party}' is not 3 capital letters or digits");
        if (string.IsNullOrWhiteSpace(tariff.Id)) problems.Add("id: required, a string of 1 to 36 characters");
        else if (tariff.Id.Length > 36) problems.Add($"id: {tariff.Id.Length} characters, at most 36");
        if (tariff.Currency is not { Length: 3 }) problems.Add("currency: required, an ISO 4217 code of 3 letters");
        if (tariff.Elements is not { Count: > 0 } elements)
        {
            problems.Add("elements: required, at least one element");
            return problems;
        }
        for (var i = 0; i < elements.Count; i++)
        {
            var name = $"elements[{i}]";
            if (elements[i] is not { PriceComponents: { Count: > 0 } components } element)
            {
                problems.Add($"{name}.price_components: required, at least one price component");
                continue;
            }
            for (var j = 0; j < components.Count; j++)
            {
                var component = components[j];
                var at = $"{name}.price_components[{j}]";
                if (component is null) { problems.Add($"{at}: expected a price component, not null"); continue; }
                if (component.Type is null) problems.Add($"{at}.type: required, one of ENERGY, FLAT, PARKING_TIME, TIME");
                if (component.Price is null) problems.Add($"{at}.price: required, the price per unit excluding VAT");
                if (component.StepSize is null) problems.Add($"{at}.step_size: required, a whole number (Wh or seconds)");
                else if (component.StepSize < 0) problems.Add($"{at}.step_size: {component.StepSize} is negative");
            }
            if (element.Restrictions is { } r)
            {
                CheckDate(r.StartDate, $"{name}.restrictions.start_date", problems);
                CheckDate(r.EndDate, $"{name}.restrictions.end_date", problems);
            }
        }
        return problems;
    }

    /// <summary>
    /// The OCPI fields we do not keep, named so the sender can leave them out: a tariff is refused rather than
    /// published with part of it dropped (min_price and max_price would change what a session costs).
    /// </summary>
    public static IReadOnlyList<string> NotModelled(OcpiTariff tariff)
    {
        var fields = new List<string>();
        if (tariff.Type is not null) fields.Add("type");
        if (tariff.TariffAltText is not null) fields.Add("tariff_alt_text");
        if (tariff.TariffAltUrl is not null) fields.Add("tariff_alt_url");
        if (tariff.MinPrice is not null) fields.Add("min_price");
        if (tariff.MaxPrice is not null) fields.Add("max_price");
        if (tariff.EnergyMix is not null) fields.Add("energy_mix");
        return fields;
    }

    private static void CheckDate(string? text, string field, List<string> problems)
    {
        if (text is not null && !(text.Length == 10 && LocalDatePattern.Iso.Parse(text).Success))
            problems.Add($"{field}: '{text}' is not a date in YYYY-MM-DD");
    }

    /// <summary>
    /// The elements of a well-formed OCPI Tariff (no <see cref="Problems"/>) as ours: prices excluding VAT, in the order
    /// given (OCPI's first match wins, as ours does).
    /// </summary>
    public static IReadOnlyList<TariffElement> ToElements(OcpiTariff tariff) =>
        [.. tariff.Elements!.Select(e => new TariffElement(
            [.. e.PriceComponents!.Select(c => new PriceComponent(c.Type!.Value, c.Price!.Value, c.Vat, Math.Max(1, c.StepSize!.Value)))],
            e.Restrictions is { } r ? ToRestrictions(r) : null))];

    /// <summary>The command publishing a well-formed OCPI Tariff as our next version, in force from <paramref name="validFrom"/>.</summary>
    public static PublishTariff ToPublish(OcpiTariff tariff, Instant validFrom) =>
        new(tariff.Id!, tariff.Currency!, PricesIncludeVat: false, ToElements(tariff), validFrom, tariff.EndDateTime);

    private static TariffRestrictions ToRestrictions(OcpiTariffRestrictions r) => new(
        r.StartTime, r.EndTime, ParseDate(r.StartDate), ParseDate(r.EndDate), r.MinKwh, r.MaxKwh, r.MinCurrent, r.MaxCurrent,
        r.MinPower, r.MaxPower, r.MinDuration, r.MaxDuration, r.DayOfWeek, r.Reservation);

    private static LocalDate? ParseDate(string? text) =>
        text is null ? null : LocalDatePattern.Iso.WithCulture(CultureInfo.InvariantCulture).Parse(text).Value;
}
