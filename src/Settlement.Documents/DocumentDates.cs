using NodaTime;
using NodaTime.Text;

namespace Settlement.Documents;

/// <summary>ISO-8601 throughout: dates as yyyy-MM-dd, instants in UTC with 'Z'.</summary>
internal static class DocumentDates
{
    public static string Date(LocalDate date) => LocalDatePattern.Iso.Format(date);

    public static string Instant(Instant instant) => InstantPattern.ExtendedIso.Format(instant);
}
