using NetTopologySuite.Geometries;

namespace Settlement.Domain.Invoicing.Jurisdictions;

/// <summary>
/// Kilometres around one point, by treating the Earth as a sphere of mean radius 6371 km and the few
/// kilometres around the point as flat: a degree of latitude is 111.2 km, a degree of longitude that
/// times cos(latitude). Within the few kilometres asked about the error is well under 1 %, against
/// boundary data that is itself off by kilometres; counting a degree of longitude like one of latitude
/// instead would double east-west distances in Oslo.
/// </summary>
internal readonly record struct LocalPlane(Coordinate Origin)
{
    private const double MeanEarthRadiusKm = 6371.0088;
    private const double KmPerDegree = 2 * Math.PI * MeanEarthRadiusKm / 360;

    // Close to the poles a degree of longitude shrinks to nothing; this floor keeps envelopes finite there.
    private const double SmallestLongitudeScale = 1e-6;

    private double KmPerDegreeLongitude { get; } =
        KmPerDegree * Math.Max(Math.Cos(Origin.Y * Math.PI / 180), SmallestLongitudeScale);

    /// <summary>The degrees box holding everything within <paramref name="km"/> of the origin.</summary>
    public Envelope Around(double km)
    {
        var halfWidth = Math.Min(km / KmPerDegreeLongitude, 360);
        var halfHeight = km / KmPerDegree;
        return new Envelope(Origin.X - halfWidth, Origin.X + halfWidth, Origin.Y - halfHeight, Origin.Y + halfHeight);
    }

    /// <summary>Kilometres from the origin to the nearest point of the segment from a to b.</summary>
    public double KmToSegment(Coordinate a, Coordinate b)
    {
        var (ax, ay) = ToKm(a);
        var (bx, by) = ToKm(b);
        var (dx, dy) = (bx - ax, by - ay);
        var lengthSquared = dx * dx + dy * dy;
        // The fraction along the segment nearest the origin, clamped to its ends.
        var t = lengthSquared == 0 ? 0 : Math.Clamp(-(ax * dx + ay * dy) / lengthSquared, 0, 1);
        return Math.Sqrt(Square(ax + t * dx) + Square(ay + t * dy));
    }

    private (double X, double Y) ToKm(Coordinate c) =>
        ((c.X - Origin.X) * KmPerDegreeLongitude, (c.Y - Origin.Y) * KmPerDegree);

    private static double Square(double x) => x * x;
}
