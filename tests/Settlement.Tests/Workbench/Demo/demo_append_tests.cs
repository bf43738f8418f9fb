using System.Text.Json;
using NodaTime;
using Settlement.Ledger;
using Settlement.Workbench.Demo;

namespace Settlement.Tests.Workbench.Demo;

[Collection(LedgerCollection.Name)]
public sealed class demo_append_tests(LedgerDatabase db)
{
    [Fact]
    public async Task a_day_of_demo_history_lands_in_the_store_exactly_as_generated()
    {
        var history = DemoNetwork.Generate(new DemoOptions(Seed: 7, new LocalDate(2026, 10, 24), Days: 1));
        var reported = 0;

        await DemoHistoryWriter.AppendAsync(db.Ledger, history, appended => reported += appended, CancellationToken.None);

        Assert.Equal(history.Count, reported);
        foreach (var stream in history.GroupBy(e => e.StreamId))
        {
            var stored = await db.Ledger.ReadStreamAsync(stream.Key);
            Assert.Equal(stream.Select(e => Json(e.Data)), stored.Select(e => Json(e.Data)));
            Assert.Equal(stream.Select(e => e.Metadata), stored.Select(e => e.Metadata));
        }
    }

    private static string Json(object data) => JsonSerializer.Serialize(data, data.GetType(), LedgerJson.Options);
}
