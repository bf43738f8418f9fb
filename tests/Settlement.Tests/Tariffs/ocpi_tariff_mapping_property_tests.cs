using System.Text.Json;
using CsCheck;
using NodaTime;
using Settlement.Domain.Tariffs;
using Settlement.Host.Roaming.Ocpi;

namespace Settlement.Tests.Tariffs;

/// <summary>
/// The OCPI mapping loses nothing: a tariff with prices excluding VAT, rendered as an OCPI Tariff, written and read as
/// OCPI JSON, and mapped back, has exactly its elements; and every rendering is a well-formed OCPI Tariff.
/// </summary>
public sealed class ocpi_tariff_mapping_property_tests
{
    private static readonly string[] Times = ["00:00", "06:30", "08:00", "17:00", "20:00", "22:15"];

    private static readonly Gen<PriceComponent> Components = Gen.Select(
        Gen.Enum<PriceComponentType>(), Gen.Int[0, 10_000_000], Gen.Int[-1, 25].Select(v => v < 0 ? (decimal?)null : v),
        Gen.Int[1, 86_400],
        (type, price, vat, step) => new PriceComponent(type, price / 10_000m, vat, step));

    private static readonly Gen<TariffRestrictions?> Restrictions = Gen.Bool.SelectMany(restricted => restricted
        ? Gen.Select(Gen.OneOf(Times.Select(Gen.Const).ToArray()), Gen.OneOf(Times.Select(Gen.Const).ToArray()), Gen.Int[0, 200],
            Gen.Enum<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None).Array[1, 3], Gen.Int[0, 3_600], Gen.Bool,
            (start, end, kwh, days, seconds, reserved) => (TariffRestrictions?)new TariffRestrictions(start, end, new LocalDate(2026, 1, 1).PlusDays(kwh),
                null, kwh, kwh + 10m, 6m, 32.5m, null, 150m, seconds, seconds + 60, days, reserved ? ReservationRestriction.ReservationExpires : null))
        : Gen.Const((TariffRestrictions?)null));

    private static readonly Gen<TariffElement> Elements = Gen.Select(Components.Array[1, 4], Restrictions,
        (components, restrictions) => new TariffElement(components, restrictions));

    [Fact]
    public void ours_to_ocpi_and_back_keeps_every_element() =>
        Elements.Array[1, 6].Sample(elements =>
        {
            var tariff = new TariffPublished("T-1", 1, "EUR", PricesIncludeVat: false, elements, Instant.FromUtc(2026, 1, 1, 0, 0), null, Instant.FromUtc(2025, 12, 1, 0, 0));
            var json = JsonSerializer.Serialize(OcpiTariffs.ToOcpi(tariff, "DE", "STL", tariff.ValidFrom, null, tariff.PublishedAt), OcpiJson.Options);

            var read = JsonSerializer.Deserialize<OcpiTariff>(json, OcpiJson.Options)!;

            Assert.Empty(OcpiTariffs.Problems(read));
            Assert.Empty(CommittedSchemas.Problems("ocpi/tariff.json", System.Text.Encoding.UTF8.GetBytes(json)));
            Assert.Equal(JsonSerializer.Serialize(elements), JsonSerializer.Serialize(OcpiTariffs.ToElements(read)));
        }, iter: 300);
}
