using System.Text;
using System.Text.Json;
using NodaTime;
using Settlement.Documents.Reports;
using Settlement.Domain.Chargers;
using Settlement.Domain.Reports;
using Snapshooter.Xunit;

namespace Settlement.Tests.Reports;

/// <summary>The AFIR Art. 20 feed for a National Access Point, byte for byte, and its schema.</summary>
public sealed class afir_feed_tests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 3, 14, 9, 30, 12);
    private static readonly AfirOperator Operator = new("DE*SET", "Settlement Charging GmbH", "+498920004711");

    /// <summary>Two German pools, one open at all hours and one on weekdays, and a site withheld for want of its public details.</summary>
    internal static AfirFeed Feed() => new(Now, new EventRange(FirstSequence: 1, LastSequence: 48_210, EventCount: 48_210),
    [
        new AfirPool(
            PoolId: "DE-MUC-01",
            Name: "Munich Freimann Hub",
            Operator,
            new AfirCoordinates(48.188562m, 11.612345m),
            CountryCode: "DE",
            new AfirAddress("Werner-Heisenberg-Allee 25", "80939", "München"),
            TimeZone: "Europe/Berlin",
            new OpeningHours(TwentyFourSeven: true, []),
            [AdHocPaymentMethod.PaymentCardContactless, AdHocPaymentMethod.PaymentCardReader],
            BarrierFree: true,
        [
            new AfirRechargingPoint(
                "DE*SET*E*MUC01*1",
                [new AfirConnector(ConnectorStandard.Ccs2, PowerType.DC, 300m)],
                new AfirStatus(OperationalStatus.Occupied, Now.Minus(Duration.FromSeconds(41))),
                new AfirAdHocPrice("EUR", PerKwhInclVat: 0.59m, PerMinuteInclVat: null, PerHourInclVat: null, PerSessionInclVat: null)),
            new AfirRechargingPoint(
                "DE*SET*E*MUC01*2",
                [new AfirConnector(ConnectorStandard.Ccs2, PowerType.DC, 300m), new AfirConnector(ConnectorStandard.Chademo, PowerType.DC, 50m)],
                new AfirStatus(OperationalStatus.OutOfOrder, Instant.FromUtc(2026, 3, 13, 22, 4, 0)),
                new AfirAdHocPrice("EUR", PerKwhInclVat: 0.59m, PerMinuteInclVat: null, PerHourInclVat: null, PerSessionInclVat: null)),
        ]),
        new AfirPool(
            PoolId: "DE-STA-02",
            Name: "Starnberg Lakeside Car Park",
            Operator,
            new AfirCoordinates(47.998m, 11.340710m),
            CountryCode: "DE",
            Address: null,
            TimeZone: "Europe/Berlin",
            new OpeningHours(TwentyFourSeven: false,
            [
                new OpeningPeriod([IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday], "06:00", "22:00"),
                new OpeningPeriod([IsoDayOfWeek.Saturday], "08:00", "24:00"),
            ]),
            [AdHocPaymentMethod.QrCodeWebPayment],
            BarrierFree: null,
        [
            new AfirRechargingPoint(
                "DE*SET*E*STA02*1",
                [new AfirConnector(ConnectorStandard.Type2, PowerType.AC, 22m)],
                new AfirStatus(OperationalStatus.Available, Now.Minus(Duration.FromMinutes(3))),
                // A time price of 0.30/h is 0.005/min: kept to its last decimal rather than rounded to cents.
                new AfirAdHocPrice("EUR", PerKwhInclVat: 0.45m, PerMinuteInclVat: 0.005m, PerHourInclVat: null, PerSessionInclVat: 0.5m,
                    PerIdleHourInclVat: 6m, VatPercent: 19m, PublishedAt: Instant.FromUtc(2026, 2, 1, 8, 0))),
        ]),
    ],
    [new AfirWithheldPool("DE-AUG-03", "DE", [WithheldReason.NoPublicDetails])]);

    [Fact]
    public void two_pools_with_a_busy_a_broken_and_a_free_point_and_their_ad_hoc_prices() =>
        Snapshot.Match(Encoding.UTF8.GetString(AfirJson.Render(Feed())));

    [Fact]
    public void the_feed_validates_against_the_published_schema()
    {
        var problems = CommittedSchemas.Problems("reports/afir-feed.v1.json", AfirJson.Render(Feed()));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void the_feed_points_to_the_schema_it_follows()
    {
        using var json = JsonDocument.Parse(AfirJson.Render(Feed()));
        using var schema = JsonDocument.Parse(CommittedSchemas.Read("reports/afir-feed.v1.json"));

        Assert.Equal(schema.RootElement.GetProperty("$id").GetString(), json.RootElement.GetProperty("$schema").GetString());
    }

    [Fact]
    public void the_schema_names_every_connector_standard_power_type_and_status_we_can_write()
    {
        using var schema = JsonDocument.Parse(CommittedSchemas.Read("reports/afir-feed.v1.json"));
        var point = schema.RootElement.GetProperty("$defs").GetProperty("rechargingPoint").GetProperty("properties");
        var connector = point.GetProperty("connectors").GetProperty("items").GetProperty("properties");
        static string[] Enum(JsonElement property) => property.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToArray();

        Assert.Equal(System.Enum.GetNames<ConnectorStandard>(), Enum(connector.GetProperty("standard")));
        Assert.Equal(System.Enum.GetNames<PowerType>(), Enum(connector.GetProperty("powerType")));
        Assert.Equal(System.Enum.GetNames<OperationalStatus>(), Enum(point.GetProperty("status").GetProperty("properties").GetProperty("operationalStatus")));
    }

    [Fact]
    public void an_evse_id_not_in_emi3_form_or_a_point_without_any_price_is_refused_by_the_schema()
    {
        var feed = Feed();
        var pool = feed.Pools[1];
        var point = pool.RechargingPoints[0];
        var broken = feed with
        {
            Pools = [pool with { RechargingPoints = [point with { EvseId = "STA02-1", AdHocPrice = new AfirAdHocPrice("EUR", null, null, null, null, null) }] }],
        };

        var problems = CommittedSchemas.Problems("reports/afir-feed.v1.json", AfirJson.Render(broken));

        Assert.Contains(problems, p => p.Contains("/evseId", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("/adHocPrice", StringComparison.Ordinal));
    }

    [Fact]
    public void the_same_feed_renders_to_the_same_bytes_however_its_decimals_are_scaled()
    {
        var feed = Feed();
        var pool = feed.Pools[0];
        var rescaled = feed with
        {
            Pools = [pool with { Coordinates = new AfirCoordinates(48.1885620m, 11.61234500m) }, feed.Pools[1]],
        };

        Assert.Equal(AfirJson.Render(feed), AfirJson.Render(rescaled));
    }
}
