using System.CommandLine;
using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Host.Roaming;
using Settlement.Projections;
using Settlement.Workbench.CommandLine;
using Spectre.Console;

namespace Settlement.Cli.Commands;

/// <summary>
/// <c>settle partners invite</c>: the operator at the console invites an OCPI roaming partner, as
/// <c>POST /api/roaming/partners</c> does, and hands the printed token A and versions URL to the partner outside OCPI.
/// </summary>
internal static class PartnersCommand
{
    private static readonly Actor Console = new(ActorKind.Operator, "cli");

    public static Command Create()
    {
        var database = new DatabaseOptions("settlement", "Database of the ledger to invite the partner into (the demo writes 'settlement_demo').");
        var name = new Option<string>("--name") { Description = "The partner's name, e.g. \"EMSP Example\".", Required = true };
        var country = new Option<string>("--country") { Description = "The partner's OCPI country code, e.g. NL.", Required = true };
        var party = new Option<string>("--party") { Description = "The partner's OCPI party id, e.g. EMS.", Required = true };
        var commission = new Option<decimal>("--commission") { Description = "The partner's commission in percent, e.g. 15.", Required = true };
        var currency = new Option<string>("--currency") { Description = "The agreement's currency, e.g. EUR.", DefaultValueFactory = _ => "EUR" };
        var period = new Option<SettlementPeriod>("--period") { Description = "Weekly, Monthly or Quarterly settlement.", DefaultValueFactory = _ => SettlementPeriod.Monthly };
        var publicUrl = new Option<string>("--public-url")
        {
            Description = "The URL partners reach the host at (the host's Ocpi:PublicUrl), e.g. https://cpo.example.com.", Required = true,
        };
        var invite = new Command("invite", "Invite a roaming partner; prints its token A (once) and our OCPI versions URL.")
            { name, country, party, commission, currency, period, publicUrl };
        database.AddTo(invite);
        invite.SetAction(async (parse, ct) =>
        {
            await using var server = await database.ConnectAsync(parse, m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"), ct);
            await using var ledger = await server.OpenLedgerAsync(database.DatabaseName(parse), SettlementReadModels.All, ct);
            var agreement = new RoamingAgreement(parse.GetValue(commission), parse.GetValue(currency)!, parse.GetValue(period));
            var issued = await new PartnerHandlers(ledger, SystemClock.Instance).Handle(new InvitePartnerCommand(
                new InvitePartner(parse.GetValue(country)!, parse.GetValue(party)!, parse.GetValue(name)!, agreement, ""), Console), ct);
            if (issued.Decision.Refusal is { } refusal)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{refusal.Message}[/]");
                return 1;
            }
            var invited = issued.Decision.Events.OfType<RoamingPartnerInvited>().Single();
            AnsiConsole.MarkupLineInterpolated($"Invited [bold]{invited.PartnerId}[/]. Hand the partner our versions URL and its token A (shown this once):");
            // Plain, each on a line of its own, so scripts can take them with `tail -n 2`.
            System.Console.WriteLine(parse.GetValue(publicUrl)!.TrimEnd('/') + "/ocpi/versions");
            System.Console.WriteLine(issued.Token);
            return 0;
        });
        return new Command("partners", "OCPI roaming partners: invite.") { invite };
    }
}
