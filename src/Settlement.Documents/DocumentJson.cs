using System.Text.Encodings.Web;
using System.Text.Json;

namespace Settlement.Documents;

/// <summary>The one JSON layout of every rendered document.</summary>
internal static class DocumentJson
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Fixed rather than Environment.NewLine, so a document renders to the same bytes on every OS.
        NewLine = "\n",
        // Names and addresses stay readable ("Müller", "–") instead of \u escapes; these files are
        // never embedded in HTML, which is all the stricter default encoder protects.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options)) write(json);
        return buffer.ToArray();
    }
}
