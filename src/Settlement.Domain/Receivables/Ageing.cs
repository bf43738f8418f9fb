using NodaTime;

namespace Settlement.Domain.Receivables;

public enum AgeingBucket { NotDue, Days1To30, Days31To60, Days61To90, Over90 }

/// <summary>
/// What one driver or partner owes in one currency as of a date, by how long it has been due. A credit owed back to
/// them (an overpayment, a credit note after payment) is shown apart in <paramref name="OwedBack"/>, not netted into a
/// bucket, since it is not a debt of theirs; <paramref name="Total"/> is the buckets less it.
/// </summary>
public sealed record AgeingRow(
    string Key, string Currency, int Invoices, decimal NotDue, decimal Days1To30, decimal Days31To60, decimal Days61To90, decimal Over90,
    decimal OwedBack, decimal Total);

/// <summary>Open items aged by days past their due date (the issue date for documents without one) as of a date.</summary>
public static class Ageing
{
    public static int DaysPastDue(Receivable receivable, LocalDate asOf) => Period.Between(receivable.DueDate, asOf, PeriodUnits.Days).Days;

    public static AgeingBucket BucketOf(int daysPastDue) => daysPastDue switch
    {
        <= 0 => AgeingBucket.NotDue,
        <= 30 => AgeingBucket.Days1To30,
        <= 60 => AgeingBucket.Days31To60,
        <= 90 => AgeingBucket.Days61To90,
        _ => AgeingBucket.Over90,
    };

    /// <summary>One row per key and currency, in key then currency order; items with nothing open on the date are left out.</summary>
    public static IReadOnlyList<AgeingRow> Of(IEnumerable<(string Key, Receivable Receivable)> items, LocalDate asOf) =>
    [
        .. items
            .Select(i => (i.Key, i.Receivable, Open: i.Receivable.OpenOn(asOf)))
            .Where(i => i.Open != 0m)
            .GroupBy(i => (i.Key, i.Receivable.Currency))
            .OrderBy(g => g.Key.Key, StringComparer.Ordinal).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g =>
            {
                decimal In(AgeingBucket bucket) => g.Where(i => i.Open > 0m && BucketOf(DaysPastDue(i.Receivable, asOf)) == bucket).Sum(i => i.Open);
                var owedBack = -g.Where(i => i.Open < 0m).Sum(i => i.Open);
                return new AgeingRow(g.Key.Key, g.Key.Currency, g.Count(), In(AgeingBucket.NotDue), In(AgeingBucket.Days1To30), In(AgeingBucket.Days31To60),
                    In(AgeingBucket.Days61To90), In(AgeingBucket.Over90), owedBack, g.Sum(i => i.Open));
            }),
    ];
}
