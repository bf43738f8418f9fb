using System.CommandLine;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Events;
using Settlement.Host.Access;
using Settlement.Projections;
using Settlement.Projections.Access;
using Settlement.Workbench.CommandLine;
using Spectre.Console;

namespace Settlement.Cli.Commands;

/// <summary>
/// <c>settle keys</c>: API keys managed from the database's side, which is how the first operator key comes to
/// exist (every endpoint that manages keys needs one). The CLI is the operator at the console, recorded as operator:cli.
/// </summary>
internal static class KeysCommand
{
    private static readonly Actor Console = new(ActorKind.Operator, "cli");

    public static Command Create()
    {
        var database = new DatabaseOptions("settlement", "Database whose keys to manage (the demo writes 'settlement_demo').");
        var role = new Option<AccessRole>("--role") { Description = "operator, finance, regulator, auditor or integration.", Required = true };
        var name = new Option<string>("--name") { Description = "Who or what holds the key, e.g. \"ERP export\".", Required = true };
        var subOperator = new Option<string?>("--operator") { Description = "The sub-operator the key acts for; omitted, the key is the top-level operator's." };
        var create = new Command("create", "Create an API key and print it once; only its verifier is stored.") { role, name, subOperator };
        database.AddTo(create);
        create.SetAction((parse, ct) => WithHandlersAsync(database, parse, ct, async handlers =>
        {
            var issued = await handlers.Handle(new CreateApiKeyCommand(parse.GetValue(name)!, parse.GetValue(role), parse.GetValue(subOperator), Console), ct);
            return Print(issued);
        }));

        var list = new Command("list", "List API keys: id, name, role, sub-operator, created, rotated, revoked. Never a secret.");
        database.AddTo(list);
        list.SetAction((parse, ct) => WithHandlersAsync(database, parse, ct, async (_, ledger) =>
        {
            await using var query = ledger.QueryReadModels();
            // One line per key, tab-separated, so it neither wraps in a narrow terminal nor needs parsing out of a table.
            System.Console.WriteLine("key id\trole\tsub-operator\tname\tcreated\trotated\trevoked");
            foreach (var key in (await Marten.QueryableExtensions.ToListAsync(query.Query<ApiKeyEntry>(), ct)).OrderBy(k => k.CreatedAt))
                System.Console.WriteLine(string.Join('\t', key.KeyId, key.Role.ToString().ToLowerInvariant(), key.OperatorId ?? "-", key.Name,
                    key.CreatedAt, key.RotatedAt?.ToString() ?? "-", key.RevokedAt is { } revoked ? $"{revoked} ({key.RevokedBecause})" : "-"));
            return 0;
        }));

        var keyId = new Argument<string>("key-id") { Description = "The key's id (the 12 characters after stl_)." };
        var rotate = new Command("rotate", "Replace a key's secret: the old one stops working at once, the new one is printed once.") { keyId };
        database.AddTo(rotate);
        rotate.SetAction((parse, ct) => WithHandlersAsync(database, parse, ct, async handlers =>
            Print(await handlers.Handle(new RotateApiKeyCommand(parse.GetValue(keyId)!, Console), ct))));

        var reason = new Option<string>("--reason") { Description = "Why, for the record.", Required = true };
        var revoke = new Command("revoke", "Revoke a key: it stops working at once, on every host.") { keyId, reason };
        database.AddTo(revoke);
        revoke.SetAction((parse, ct) => WithHandlersAsync(database, parse, ct, async handlers =>
        {
            var decision = await handlers.Handle(new RevokeApiKeyCommand(parse.GetValue(keyId)!, parse.GetValue(reason)!, Console), ct);
            if (decision.Refusal is { } refusal)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{refusal.Message}[/]");
                return 1;
            }
            AnsiConsole.MarkupLineInterpolated($"Revoked key [bold]{parse.GetValue(keyId)}[/].");
            return 0;
        }));

        return new Command("keys", "API keys: create (the first operator key comes from here), list, rotate, revoke.") { create, list, rotate, revoke };
    }

    private static int Print(IssuedKey issued)
    {
        if (issued.Decision.Refusal is { } refusal)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{refusal.Message}[/]");
            return 1;
        }
        AnsiConsole.MarkupLineInterpolated($"Key id [bold]{issued.KeyId}[/]. The key, shown this once (only its verifier is stored):");
        // Plain, on a line of its own, so scripts can take it with `tail -n 1`.
        System.Console.WriteLine(issued.Key);
        return 0;
    }

    private static Task<int> WithHandlersAsync(DatabaseOptions database, ParseResult parse, CancellationToken ct, Func<ApiKeyHandlers, Task<int>> action) =>
        WithHandlersAsync(database, parse, ct, (handlers, _) => action(handlers));

    private static async Task<int> WithHandlersAsync(DatabaseOptions database, ParseResult parse, CancellationToken ct,
        Func<ApiKeyHandlers, Ledger.Ledger, Task<int>> action)
    {
        await using var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
        await using var ledger = await server.OpenLedgerAsync(database.DatabaseName(parse), SettlementReadModels.All, ct);
        return await action(new ApiKeyHandlers(ledger, SystemClock.Instance), ledger);
    }
}
