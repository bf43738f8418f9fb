using Settlement.Projections;
using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Settlement.Host;
using Settlement.Host.Audit;
using Settlement.Ledger.Store;
using Settlement.Ocpp;
using Spectre.Console;
using Settlement.Workbench.CommandLine;

namespace Settlement.Cli.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string[]>("--urls")
        {
            Description = "Addresses to listen on (https:// needs --certificate).",
            DefaultValueFactory = _ => ["http://127.0.0.1:5080"],
            AllowMultipleArgumentsPerToken = true,
        };
        var certificate = new Option<FileInfo?>("--certificate") { Description = "Server certificate with its private key (PKCS#12 .pfx) for https:// and wss://." };
        var certificatePassword = new Option<string?>("--certificate-password") { Description = "Password of the .pfx file, if any." };
        var chargerCa = new Option<FileInfo?>("--charger-ca") { Description = "OCPP security profile 3: the CA certificate (PEM) that issues charger certificates." };
        var requireTls = new Option<bool>("--require-tls") { Description = "OCPP security profiles 2/3: refuse chargers connecting over plain ws://." };
        var database = new DatabaseOptions("settlement", "Database to serve (default: the connection string's, else 'settlement'; the demo writes 'settlement_demo').");
        var command = new Command("serve",
            "Run the host: OCPP 1.6J/2.0.1 endpoint at /ocpp/{chargerId}, REST API (health, chargers, streams, commands).")
        {
            urls, certificate, certificatePassword, chargerCa, requireTls,
        };
        database.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            // The "Ocpp" and "Database" sections of appsettings.json or Ocpp__*/Database__* environment variables; flags override them.
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(Environment.CurrentDirectory, "appsettings.json"), optional: true)
                .AddEnvironmentVariables()
                .Build();
            var ocpp = configuration.GetSection("Ocpp").Get<OcppOptions>() ?? new OcppOptions();
            ConnectionBudget budget;
            try
            {
                budget = ConnectionBudget.From(configuration[ConnectionBudget.Setting]);
            }
            catch (ArgumentException wrong)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{wrong.Message}[/]");
                return 2;
            }
            ocpp.RequireTls |= parse.GetValue(requireTls);
            if (parse.GetValue(chargerCa) is { } ca)
                ocpp.ChargerCertificateAuthority = X509CertificateLoader.LoadCertificateFromFile(ca.FullName);
            var serverCertificate = parse.GetValue(certificate) is { } pfx
                ? X509CertificateLoader.LoadPkcs12FromFile(pfx.FullName, parse.GetValue(certificatePassword))
                : null;

            await using var server = await database.ConnectAsync(parse, Report, ct);
            var name = database.DatabaseName(parse);
            await server.EnsureDatabaseAsync(name, ct);
            await server.MigrateAsync(name, SettlementReadModels.All, ct);
            await using var ledger = await LedgerStore.OpenAsync(server.ConnectionStringFor(name), SettlementReadModels.All, ct, budget: budget);
            // The host's replay runs create their own schema, which only the schema's owner may. On the embedded cluster (a
            // developer's or the demo's) serve lends the host the owner's connection it migrated with; against an operator's
            // PostgreSQL the operator decides, by setting it.
            if (server.IsEmbedded && string.IsNullOrEmpty(configuration[ReplayRun.ConnectionSetting]))
                Environment.SetEnvironmentVariable(ReplayRun.ConnectionSetting.Replace(":", "__"), server.MigrationConnectionStringFor(name));
            var app = SettlementHost.Build(ledger, $"{server.Description}, database {name}", ocpp, serverCertificate, parse.GetValue(urls)!);
            await app.StartAsync(ct);
            AnsiConsole.MarkupLineInterpolated($"[green]Serving[/] {string.Join(", ", app.Urls)} over {server.Description}, database [bold]{name}[/], at most {budget.MaxConnections} connections. Chargers connect to {app.Urls.First().Replace("http", "ws")}/ocpp/<id>. Ctrl+C stops.");
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    private static void Report(string message) => AnsiConsole.MarkupLineInterpolated($"[grey]{message}[/]");
}
