using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace Settlement.Domain.Invoicing.Jurisdictions;

/// <summary>
/// Where a site's taxes are owed according to the bundled boundaries. <paramref name="NearBorderWith"/>
/// lists, in ordinal order, every jurisdiction that does not contain the site but whose boundary is
/// within <see cref="JurisdictionResolver.BorderToleranceKm"/> of it. A site that lies in no boundary
/// (a coastal one the generalised coastline put in the sea) is given the nearest jurisdiction, which
/// then is listed there too: either way, a non-empty list is the cue to have the operator confirm or
/// override the result.
/// </summary>
public sealed record JurisdictionMatch(string Jurisdiction, string CountryCode, IReadOnlyList<string> NearBorderWith, string Source);

/// <summary>
/// Resolves a GPS position to its taxing jurisdiction: an ISO 3166-1 country, or inside the USA an
/// ISO 3166-2 state (or DC), since sales tax is set by the state.
/// </summary>
public sealed class JurisdictionResolver
{
    /// <summary>
    /// How far from a boundary a site may be and still be on its other side in reality. The 1:50m land
    /// borders lie within 5 km of their 1:10m counterparts for 98 % of their length (tools/boundaries,
    /// measure-precision.mjs), so a site nearer than that to a border is not settled by this data. The
    /// coastlines are coarser (82 % within 5 km, since small islands and fjords are generalised away);
    /// a site farther out to sea than this resolves to nothing rather than to a guess.
    /// </summary>
    public const double BorderToleranceKm = 5;

    /// <summary>Consecutive boundary vertices indexed together: few enough to prune well, many enough to keep the index small.</summary>
    private const int VerticesPerStretch = 16;

    private static readonly Lazy<JurisdictionResolver> bundled = new(LoadBundled);

    private readonly STRtree<Region> regions = new();
    private readonly STRtree<BoundaryStretch> stretches = new();

    private JurisdictionResolver(BoundaryData data)
    {
        Source = data.Source;
        foreach (var boundary in data.Boundaries)
            foreach (var polygon in boundary.Area.Geometries.Cast<Polygon>())
            {
                regions.Insert(polygon.EnvelopeInternal, new Region(boundary, new IndexedPointInAreaLocator(polygon)));
                foreach (var ring in new[] { polygon.Shell }.Concat(polygon.Holes))
                    foreach (var stretch in Stretches(boundary, ring.Coordinates))
                        stretches.Insert(stretch.Envelope, stretch);
            }
        // Built now rather than on first query: a lazily built STRtree is not safe to query from many threads.
        regions.Build();
        stretches.Build();
    }

    /// <summary>The boundaries embedded in this assembly, loaded once on first use.</summary>
    public static JurisdictionResolver Bundled => bundled.Value;

    /// <summary>What the boundaries were derived from, to record with every resolution.</summary>
    public string Source { get; }

    /// <summary>
    /// The jurisdiction containing the position, or the nearest within <see cref="BorderToleranceKm"/>;
    /// null when there is none that close, such as out at sea.
    /// </summary>
    public JurisdictionMatch? Resolve(decimal latitude, decimal longitude)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latitude, -90m);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(latitude, 90m);
        ArgumentOutOfRangeException.ThrowIfLessThan(longitude, -180m);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(longitude, 180m);

        var site = new Coordinate((double)longitude, (double)latitude);
        var containing = regions.Query(new Envelope(site))
            .Where(region => region.Locator.Locate(site) != Location.Exterior)
            .Select(region => region.Boundary)
            .DistinctBy(boundary => boundary.Jurisdiction)
            .ToList();
        var nearby = BoundariesWithin(site, BorderToleranceKm);

        var resolved = containing.Count > 0
            // The two sources overlap slightly along the US borders; the one the site lies deepest inside is the better bet.
            ? containing.MaxBy(boundary => nearby.TryGetValue(boundary, out var km) ? km : double.PositiveInfinity)
            : nearby.Keys.MinBy(boundary => nearby[boundary]);
        if (resolved is null) return null;

        var nearBorderWith = containing.Concat(nearby.Keys)
            .Select(boundary => boundary.Jurisdiction)
            // A site in no boundary keeps its own jurisdiction in the list: it is only near it.
            .Where(jurisdiction => jurisdiction != resolved.Jurisdiction || containing.Count == 0)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        return new JurisdictionMatch(resolved.Jurisdiction, resolved.CountryCode, nearBorderWith, Source);
    }

    /// <summary>Every boundary within <paramref name="km"/> of the site, with its distance.</summary>
    private Dictionary<Boundary, double> BoundariesWithin(Coordinate site, double km)
    {
        var plane = new LocalPlane(site);
        var nearest = new Dictionary<Boundary, double>(ReferenceEqualityComparer.Instance);
        foreach (var stretch in stretches.Query(plane.Around(km)))
        {
            var distance = stretch.KmFrom(plane);
            if (distance <= km && (!nearest.TryGetValue(stretch.Boundary, out var known) || distance < known))
                nearest[stretch.Boundary] = distance;
        }
        return nearest;
    }

    private static IEnumerable<BoundaryStretch> Stretches(Boundary boundary, Coordinate[] ring)
    {
        // Each stretch starts where the previous ended, so no segment of the ring is left out.
        for (var start = 0; start < ring.Length - 1; start += VerticesPerStretch - 1)
            yield return new BoundaryStretch(boundary, ring[start..Math.Min(start + VerticesPerStretch, ring.Length)]);
    }

    private static JurisdictionResolver LoadBundled()
    {
        const string resource = "Settlement.Domain.Invoicing.Jurisdictions.boundaries.geojson.gz";
        using var stream = typeof(JurisdictionResolver).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource {resource} is missing from {typeof(JurisdictionResolver).Assembly.GetName().Name}.");
        return new JurisdictionResolver(BoundaryFile.Read(stream));
    }

    private sealed record Region(Boundary Boundary, IndexedPointInAreaLocator Locator);

    /// <summary>A few consecutive vertices of one boundary ring, the unit of the distance index.</summary>
    private sealed record BoundaryStretch(Boundary Boundary, Coordinate[] Vertices)
    {
        public Envelope Envelope { get; } = new(Vertices);

        public double KmFrom(LocalPlane plane)
        {
            var nearest = double.PositiveInfinity;
            for (var i = 0; i + 1 < Vertices.Length; i++)
                nearest = Math.Min(nearest, plane.KmToSegment(Vertices[i], Vertices[i + 1]));
            return nearest;
        }
    }
}
