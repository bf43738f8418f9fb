using NodaTime;
using NodaTime.Text;

namespace Settlement.Projections;

/// <summary>Text sort keys for lists ordered by time: an instant in fixed width, so text order is time order.</summary>
public static class SortKeys
{
    private static readonly InstantPattern FixedWidth = InstantPattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss.fffffffff'Z'");

    /// <summary>The key every item at <paramref name="at"/> sorts at or after.</summary>
    public static string Of(Instant at) => FixedWidth.Format(at);

    /// <summary>The key of an item at <paramref name="at"/>, its id breaking ties.</summary>
    public static string Of(Instant at, string id) => $"{Of(at)}|{id}";
}
