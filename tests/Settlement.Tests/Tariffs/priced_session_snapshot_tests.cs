using System.Text.Json;
using NodaTime;
using Settlement.Domain.Sessions;
using Settlement.Domain.Tariffs;
using Settlement.Ledger;
using Snapshooter.Xunit;
using static Settlement.Tests.Tariffs.Tariffs;

namespace Settlement.Tests.Tariffs;

/// <summary>The priced-session breakdown as finance and the API see it, byte for byte.</summary>
public sealed class priced_session_snapshot_tests
{
    private static readonly JsonSerializerOptions Indented = new(LedgerJson.Options) { WriteIndented = true };

    [Fact]
    public void an_evening_session_into_the_night_rate_with_idle_time_after_charging()
    {
        // Prices include 19% VAT, as a German site displays them; a session fee by day only.
        var tariff = Version("DE-BER-STANDARD", 3, "EUR",
            Element(Restrict(start: "22:00", end: "06:00"), Energy(0.49m, vat: 19m), Parking(6.00m, stepSeconds: 60, vat: 19m)),
            Element(Restrict(start: "06:00", end: "22:00"), Energy(0.69m, vat: 19m), Flat(0.50m, vat: 19m), Parking(6.00m, stepSeconds: 60, vat: 19m)))
            with { PricesIncludeVat = true };
        var zone = Zone("Europe/Berlin");
        var start = Local("Europe/Berlin", 2026, 11, 20, 21, 10);
        var readings = new[]
        {
            new RegisterReading(start + Duration.FromMinutes(20), 125_400),
            new RegisterReading(start + Duration.FromMinutes(50), 130_900),
            new RegisterReading(start + Duration.FromMinutes(65), 132_350),
            new RegisterReading(start + Duration.FromMinutes(80), 132_350),
        };
        var usage = new SessionUsage(start, 121_733, readings, start + Duration.FromMinutes(97), 132_350);

        var price = SessionPricer.Price(usage, [new TariffSpan(Instant.FromUtc(2026, 11, 1, 0, 0), Instant.FromUtc(2027, 1, 1, 0, 0), tariff, StreamVersion: 5)], zone);

        Snapshot.Match(JsonSerializer.Serialize(price, Indented));
    }
}
