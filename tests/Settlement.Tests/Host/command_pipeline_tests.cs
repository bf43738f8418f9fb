using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Tariffs;
using Settlement.Host;
using Settlement.Host.Drivers;
using Settlement.Host.Tariffs;
using Settlement.Ocpp.Commands;
using Settlement.Tests.Ocpp;

namespace Settlement.Tests.Host;

/// <summary>Every command passes one pipeline on the way to its handler: it is measured, and refused there when it is invalid on its face.</summary>
[Collection(LedgerCollection.Name)]
public sealed class command_pipeline_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;
    private readonly ConcurrentQueue<(string Instrument, string Command, string Outcome)> _measured = new();
    private readonly MeterListener _listener = new();

    public async Task InitializeAsync()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CommandMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => Measured(instrument, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Measured(instrument, tags));
        _listener.Start();
        _host = await new TestHost(db).StartAsync();
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _host.DisposeAsync();
    }

    private void Measured(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? command = null, outcome = null;
        foreach (var (key, value) in tags)
        {
            if (key == "command") command = value as string;
            if (key == "outcome") outcome = value as string;
        }
        _measured.Enqueue((instrument.Name, command ?? "", outcome ?? ""));
    }

    [Fact]
    public async Task a_command_sent_through_the_host_is_counted_and_timed_by_type_and_outcome()
    {
        var tariffId = "PIPELINE-" + Guid.NewGuid().ToString("N")[..8];
        var validFrom = SystemClock.Instance.GetCurrentInstant().Plus(Duration.FromDays(1));

        var published = await _host.Http.PostAsJsonAsync("/api/tariffs", new TariffEndpoints.PublishTariffBody(tariffId, "EUR", PricesIncludeVat: true,
            [new TariffEndpoints.ElementBody([new TariffEndpoints.PriceComponentBody(PriceComponentType.Energy, 0.59m, VatPercent: 19m)])], validFrom),
            Settlement.Ledger.LedgerJson.Options);
        var refused = await _host.Http.PostAsJsonAsync($"/api/tariffs/{tariffId}/assignments",
            new TariffEndpoints.AssignTariffBody(TariffScope.Site, "NO-SUCH-SITE", validFrom), Settlement.Ledger.LedgerJson.Options);

        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(("settlement.commands", nameof(PublishTariffCommand), CommandMetrics.Handled), _measured);
        Assert.Contains(("settlement.command.duration", nameof(PublishTariffCommand), CommandMetrics.Handled), _measured);
        Assert.Contains(("settlement.commands", nameof(AssignTariffCommand), CommandMetrics.Refused), _measured);
    }

    [Fact]
    public async Task an_invalid_command_is_refused_before_its_handler_runs()
    {
        var token = "PIPELINE" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var driver = await db.Ledger.Drivers.DriverForAsync(token);
        var mediator = _host.Services.GetRequiredService<IMediator>();

        // Naming the driver twice is invalid on its face; had the handler run, it would have erased the driver by its token.
        var decision = await mediator.Send(new EraseDriver(token, driver.DriverRef, "test"));

        var refusal = Assert.IsType<Refusal>(decision.Refusal);
        Assert.Equal(RefusalKind.Invalid, refusal.Kind);
        Assert.Equal(["Name the driver by exactly one of idToken or driverRef."], refusal.Problems);
        Assert.True(await db.Ledger.Drivers.HoldsKeyAsync(driver.DriverRef));
        Assert.Contains(("settlement.commands", nameof(EraseDriver), CommandMetrics.Invalid), _measured);
    }

    [Fact]
    public async Task a_charger_command_passes_the_same_pipeline_and_a_failed_one_is_counted_as_failed()
    {
        var mediator = _host.Services.GetRequiredService<IMediator>();

        await Assert.ThrowsAsync<UnknownChargerException>(() => mediator.Send(new RemoteStart("NO-SUCH-CHARGER", 1, "TOKEN")).AsTask());

        Assert.Contains(("settlement.commands", nameof(RemoteStart), CommandMetrics.Failed), _measured);
        Assert.Contains(("settlement.command.duration", nameof(RemoteStart), CommandMetrics.Failed), _measured);
    }

    [Fact]
    public async Task an_invalid_request_is_answered_400_with_its_problems()
    {
        var response = await _host.Http.PostAsJsonAsync("/api/drivers/erasure", new DriverEndpoints.ErasureBody());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Name the driver by exactly one of idToken or driverRef.", body.GetProperty("error").GetString());
    }
}
