using NodaTime;
using Settlement.Domain.Monetary;
using Settlement.Domain.Receivables;

namespace Settlement.Documents;

/// <summary>The ageing of receivables as CSV: a row per driver or partner and currency, amounts in the currency's units.</summary>
public static class AgeingCsv
{
    private static readonly string[] Header =
    [
        "as_of", "by", "key", "currency", "invoices", "not_due", "days_1_30", "days_31_60", "days_61_90", "over_90", "owed_back", "total",
    ];

    public static byte[] Render(LocalDate asOf, string by, IReadOnlyList<AgeingRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var date = DocumentDates.Date(asOf);
        return Csv.Render(Header, csv =>
        {
            foreach (var row in rows)
            {
                var currency = Currency.FromCode(row.Currency);
                csv.WriteField(date);
                csv.WriteField(by);
                csv.WriteField(row.Key);
                csv.WriteField(currency.Code);
                csv.WriteField(row.Invoices, "");
                foreach (var amount in new[] { row.NotDue, row.Days1To30, row.Days31To60, row.Days61To90, row.Over90, row.OwedBack, row.Total })
                    csv.WriteMoney(amount, currency);
                csv.EndRecord();
            }
        });
    }
}
