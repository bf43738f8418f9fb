using System.Text.Json;
using Settlement.Domain.Reports;

namespace Settlement.Documents.Reports;

/// <summary>What every regulator report's JSON has in common.</summary>
internal static class ReportJson
{
    public static void WriteSource(Utf8JsonWriter json, EventRange source)
    {
        ArgumentNullException.ThrowIfNull(source);
        json.WriteStartObject("source");
        json.WriteNumber("firstSequence", source.FirstSequence);
        json.WriteNumber("lastSequence", source.LastSequence);
        json.WriteNumber("eventCount", source.EventCount);
        json.WriteEndObject();
    }
}
