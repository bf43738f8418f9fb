using System.Net;
using System.Text.Json;

namespace Settlement.Tests.Dashboard;

/// <summary>One server-sent event: its name and its data, parsed.</summary>
internal sealed record LiveMessage(string Event, JsonElement Data)
{
    public string? ChargerId => Event == "charger" ? Data.GetProperty("chargerId").GetString() : null;

    public IEnumerable<string> SnapshotChargerIds => Event == "snapshot"
        ? Data.GetProperty("chargers").EnumerateArray().Select(c => c.GetProperty("chargerId").GetString()!)
        : [];
}

/// <summary>The dashboard's live stream read as the browser reads it: a GET whose body never ends, one event at a time.</summary>
internal sealed class LiveStream(HttpResponseMessage response, StreamReader reader) : IAsyncDisposable
{
    public const string Route = "/api/live/chargers";

    public static async Task<LiveStream> OpenAsync(HttpClient http)
    {
        var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, Route), HttpCompletionOption.ResponseHeadersRead);
        // The body is read only on a refusal: an accepted stream's body never ends.
        if (response.StatusCode != HttpStatusCode.OK)
            Assert.Fail($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new LiveStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>The next event (comments skipped), or a failure once <paramref name="within"/> passed without one.</summary>
    public async Task<LiveMessage> NextAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        string? name = null;
        var data = new List<string>();
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no event within {within.TotalSeconds} s");
            }
            Assert.NotNull(line);
            if (line.Length == 0)
            {
                if (name is not null) return new LiveMessage(name, JsonDocument.Parse(string.Join('\n', data)).RootElement.Clone());
                continue;
            }
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Add(line["data: ".Length..]);
        }
    }

    /// <summary>Every event read until one matches (included), failing once <paramref name="within"/> passed without it.</summary>
    public async Task<IReadOnlyList<LiveMessage>> UntilAsync(Func<LiveMessage, bool> wanted, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var seen = new List<LiveMessage>();
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"no matching event within {within.TotalSeconds} s; saw {seen.Count}");
            var message = await NextAsync(left);
            seen.Add(message);
            if (wanted(message)) return seen;
        }
    }

    public ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        return ValueTask.CompletedTask;
    }
}
