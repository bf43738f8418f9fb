using System.IO.Compression;
using System.Text.Json;
using NetTopologySuite.Geometries;

namespace Settlement.Domain.Invoicing.Jurisdictions;

/// <summary>The area of one taxing jurisdiction as bundled: an ISO code and its outline in WGS 84 degrees.</summary>
internal sealed record Boundary(string Jurisdiction, string CountryCode, MultiPolygon Area);

internal sealed record BoundaryData(string Source, IReadOnlyList<Boundary> Boundaries);

/// <summary>
/// Reads the gzipped GeoJSON that tools/boundaries/build.sh generates: a FeatureCollection whose
/// "source" names the data and whose features carry "jurisdiction" and "country" and a MultiPolygon.
/// Anything else is refused, since a silently skipped feature would be a country that never resolves.
/// </summary>
internal static class BoundaryFile
{
    private static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);

    public static BoundaryData Read(Stream gzipped)
    {
        using var json = new GZipStream(gzipped, CompressionMode.Decompress);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var boundaries = root.GetProperty("features").EnumerateArray().Select(ReadFeature).ToList();
        return new BoundaryData(RequiredString(root, "source"), boundaries);
    }

    private static Boundary ReadFeature(JsonElement feature)
    {
        var properties = feature.GetProperty("properties");
        var jurisdiction = RequiredString(properties, "jurisdiction");
        var geometry = feature.GetProperty("geometry");
        if (geometry.GetProperty("type").GetString() != "MultiPolygon")
            throw new InvalidDataException($"Boundary of {jurisdiction} is not a MultiPolygon.");
        var polygons = geometry.GetProperty("coordinates").EnumerateArray().Select(ReadPolygon).ToArray();
        return new Boundary(jurisdiction, RequiredString(properties, "country"), Wgs84.CreateMultiPolygon(polygons));
    }

    private static Polygon ReadPolygon(JsonElement rings)
    {
        var parsed = rings.EnumerateArray().Select(ReadRing).ToArray();
        return Wgs84.CreatePolygon(parsed[0], parsed[1..]);
    }

    private static LinearRing ReadRing(JsonElement positions) =>
        Wgs84.CreateLinearRing(positions.EnumerateArray()
            .Select(position => new Coordinate(position[0].GetDouble(), position[1].GetDouble()))
            .ToArray());

    private static string RequiredString(JsonElement element, string property) =>
        element.GetProperty(property).GetString() is { Length: > 0 } value
            ? value
            : throw new InvalidDataException($"Boundary data lacks \"{property}\".");
}
