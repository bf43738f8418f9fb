using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace Settlement.Host;

/// <summary>One page of a list in a stable order; <see cref="Next"/> is the cursor of the page after it, null on the last.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>
/// Cursor pagination, the same on every list: <c>?limit=</c> (1 to <see cref="MaxLimit"/>, default
/// <see cref="DefaultLimit"/>) and <c>?cursor=</c> from the previous page's <c>next</c>. A cursor is the sort key of
/// the last item served, so pages stay stable while new items arrive; it is opaque to clients.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>The page size asked for, or a refusal naming the parameter and its range.</summary>
    public static int Limit(int? requested) =>
        requested switch
        {
            null => DefaultLimit,
            >= 1 and <= MaxLimit => requested.Value,
            _ => throw new RequestRefusedException(Domain.Deciding.RefusalKind.Invalid, $"limit: a whole number from 1 to {MaxLimit}, not {requested}."),
        };

    /// <summary>The sort key a cursor carries, or null for the first page; a cursor not made here is refused.</summary>
    public static string? After(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            return text.StartsWith("v1:", StringComparison.Ordinal) ? text[3..] : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new RequestRefusedException(Domain.Deciding.RefusalKind.Invalid, "cursor: pass back the 'next' value of the previous page unchanged.");
        }
    }

    public static string CursorAfter(string sortKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("v1:" + sortKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// The page from <paramref name="fetched"/>, which the caller read with <c>limit + 1</c> items after the cursor in
    /// sort-key order: the extra item only tells whether a next page exists.
    /// </summary>
    public static Page<T> Of<T>(IReadOnlyList<T> fetched, int limit, Func<T, string> sortKey) =>
        fetched.Count > limit
            ? new Page<T>([.. fetched.Take(limit)], CursorAfter(sortKey(fetched[limit - 1])))
            : new Page<T>(fetched, null);

    /// <summary>200 with <c>{ items, next }</c> and, when there is a next page, a <c>Link: &lt;…&gt;; rel="next"</c> header.</summary>
    public static IResult Answer<T>(HttpContext context, Page<T> page)
    {
        if (page.Next is { } next)
        {
            var query = new QueryBuilder(context.Request.Query.Where(q => q.Key != "cursor").SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))))
            {
                { "cursor", next },
            };
            context.Response.Headers.Link = $"<{context.Request.Path}{query}>; rel=\"next\"";
        }
        return Results.Ok(new { items = page.Items, next = page.Next });
    }
}
