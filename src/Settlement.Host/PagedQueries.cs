using System.Linq.Expressions;
using Marten;

namespace Settlement.Host;

/// <summary>
/// Reads one page of a read model in the order of a text sort key, straight from Marten: the rows after the cursor's
/// key, <c>limit + 1</c> of them, so the extra one only tells whether a next page exists. Never Skip/Take: a page
/// deep in a long list costs what the first does, and items added meanwhile neither repeat nor go missing.
/// </summary>
public static class PagedQueries
{
    /// <summary>How many rows a filter the database cannot apply reads per round trip.</summary>
    private const int ScanBatch = 500;

    /// <param name="newestFirst">Descending sort-key order (a list read newest first); the cursor then carries the key the next page sorts before.</param>
    /// <param name="keep">
    /// A filter only .NET can apply (e.g. over a document's lines): rows are then read in batches until a page's worth
    /// is kept or the list ends.
    /// </param>
    public static async Task<Page<T>> PageAsync<T>(
        IQueryable<T> filtered, Expression<Func<T, string>> sortKey, string? after, int limit, CancellationToken ct, Func<T, bool>? keep = null,
        bool newestFirst = false)
        where T : notnull
    {
        var keyOf = sortKey.Compile();
        var wanted = limit + 1;
        var batch = keep is null ? wanted : Math.Max(wanted, ScanBatch);
        var kept = new List<T>();
        while (true)
        {
            var beyond = After(filtered, sortKey, after, newestFirst);
            var rows = await (newestFirst ? beyond.OrderByDescending(sortKey) : beyond.OrderBy(sortKey)).Take(batch).ToListAsync(ct);
            kept.AddRange(keep is null ? rows : rows.Where(keep));
            if (kept.Count >= wanted || rows.Count < batch) break;
            after = keyOf(rows[^1]);
        }
        return Paging.Of(kept.Take(wanted).ToList(), limit, keyOf);
    }

    private static IQueryable<T> After<T>(IQueryable<T> query, Expression<Func<T, string>> sortKey, string? after, bool descending)
        where T : notnull
    {
        if (after is null) return query;
        // key.CompareTo(after) > 0 (< 0 descending), which Marten translates to a plain comparison on the key.
        var compare = Expression.Call(sortKey.Body, typeof(string).GetMethod(nameof(string.CompareTo), [typeof(string)])!, Expression.Constant(after));
        var beyond = descending ? Expression.LessThan(compare, Expression.Constant(0)) : Expression.GreaterThan(compare, Expression.Constant(0));
        return query.Where(Expression.Lambda<Func<T, bool>>(beyond, sortKey.Parameters));
    }
}
