using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Events;
using Settlement.Host.Access;
using Spectre.Console;

namespace Settlement.Workbench.Demo;

/// <summary>The demo ends with an operator key, shown once, so the API can be tried on its data straight away.</summary>
internal static class DemoAccess
{
    public static async Task<string> CreateOperatorKeyAsync(Ledger.Ledger ledger, CancellationToken ct)
    {
        var issued = await new ApiKeyHandlers(ledger, SystemClock.Instance)
            .Handle(new CreateApiKeyCommand("demo operator", AccessRole.Operator, null, new Actor(ActorKind.Operator, "demo")), ct);
        return issued.Decision.Refusal is { } refusal ? throw new InvalidOperationException(refusal.Message) : issued.Key!;
    }

    public static void Print(string key, string database) =>
        AnsiConsole.MarkupLineInterpolated($"""
            An operator API key for this database (shown once; `./settle keys list --database {database}` lists keys, `keys revoke` ends one):
              [bold]{key}[/]
            Try: [bold]./settle serve --database {database}[/], then curl -H "Authorization: Bearer {key}" http://127.0.0.1:5080/api/chargers
            """);
}
