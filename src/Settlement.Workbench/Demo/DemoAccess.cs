using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Events;
using Settlement.Host.Access;
using Spectre.Console;

namespace Settlement.Workbench.Demo;

/// <summary>The demo ends with API keys, shown once, so the API and the dashboard can be tried on its data straight away.</summary>
internal static class DemoAccess
{
    public static Task<string> CreateOperatorKeyAsync(Ledger.Ledger ledger, CancellationToken ct) => CreateKeyAsync(ledger, AccessRole.Operator, ct);

    /// <summary>A key of the top-level operator's of <paramref name="role"/>, named "demo {role}".</summary>
    public static async Task<string> CreateKeyAsync(Ledger.Ledger ledger, AccessRole role, CancellationToken ct)
    {
        var issued = await new ApiKeyHandlers(ledger, SystemClock.Instance)
            .Handle(new CreateApiKeyCommand($"demo {role.ToString().ToLowerInvariant()}", role, null, new Actor(ActorKind.Operator, "demo")), ct);
        return issued.Decision.Refusal is { } refusal ? throw new InvalidOperationException(refusal.Message) : issued.Key!;
    }

    public static void Print(string key, string database) =>
        AnsiConsole.MarkupLineInterpolated($"""
            An operator API key for this database (shown once; `./settle keys list --database {database}` lists keys, `keys revoke` ends one):
              [bold]{key}[/]
            Try: [bold]./settle serve --database {database}[/], then curl -H "Authorization: Bearer {key}" http://127.0.0.1:5080/api/chargers
            """);
}
