using NodaTime;
using NodaTime.Text;

namespace Settlement.Documents;

/// <summary>ISO-8601 throughout: dates as yyyy-MM-dd, instants in UTC with 'Z', local times without offset.</summary>
internal static class DocumentDates
{
    public static string Date(LocalDate date) => LocalDatePattern.Iso.Format(date);

    public static string Instant(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    /// <summary>A wall-clock time at a station, without offset (its zone is written beside it): yyyy-MM-ddTHH:mm:ss.</summary>
    public static string LocalDateTime(LocalDateTime at) => LocalDateTimePattern.GeneralIso.Format(at);
}
