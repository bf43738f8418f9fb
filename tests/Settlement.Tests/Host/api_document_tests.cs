using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Settlement.Domain.Access;
using Settlement.Host;
using Settlement.Host.Access;
using Settlement.Host.OpenApi;

namespace Settlement.Tests.Host;

/// <summary>The OpenAPI document tells a client every endpoint, who may call it, what to send and what comes back.</summary>
[Collection(LedgerCollection.Name)]
public sealed partial class api_document_tests(LedgerDatabase db) : IAsyncLifetime
{
    private TestHost _host = null!;
    private JsonObject _document = null!;

    public async Task InitializeAsync()
    {
        _host = await new TestHost(db).StartAsync();
        await _host.DisposeOnFailureAsync(async () =>
        {
            _document = JsonNode.Parse(await _host.Http.GetStringAsync(ApiDocument.Route))!.AsObject();
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static readonly string[] Methods = ["get", "post", "put", "delete", "patch"];

    /// <summary>Every operation of the document as "METHOD /path", the path as OpenAPI writes it (no route constraints).</summary>
    private IEnumerable<(string Name, JsonObject Operation)> Operations() =>
        from path in _document["paths"]!.AsObject()
        from method in path.Value!.AsObject()
        where Methods.Contains(method.Key)
        select ($"{method.Key.ToUpperInvariant()} {path.Key}", method.Value!.AsObject());

    /// <summary>"GET /api/reports/nevi/{module:int}" as the document writes it: "GET /api/reports/nevi/{module}".</summary>
    private static string InDocument(string endpoint) => RouteConstraint().Replace(endpoint, "}");

    [GeneratedRegex(":[a-z]+}")]
    private static partial Regex RouteConstraint();

    [Fact]
    public async Task a_key_of_every_role_reads_the_document_and_no_key_reads_nothing()
    {
        // Partner keys come from the OCPI credentials handshake, not from the key endpoints.
        foreach (var role in Enum.GetValues<AccessRole>().Where(r => r != AccessRole.Partner))
        {
            using var client = _host.Client(await _host.CreateKeyAsync(role));
            var response = await client.GetAsync(ApiDocument.Route);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{role}: {response.StatusCode}");
            Assert.StartsWith("3.", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["openapi"]!.GetValue<string>());
        }
        using var anonymous = _host.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(ApiDocument.Route)).StatusCode);
    }

    [Fact]
    public void every_endpoint_of_the_access_table_is_described_with_its_roles_and_the_key_it_needs()
    {
        var operations = Operations().ToDictionary(o => o.Name, o => o.Operation);
        var scheme = _document["components"]!["securitySchemes"]![ApiDocument.SecuritySchemeName]!;
        Assert.Equal(("http", "bearer"), (scheme["type"]!.GetValue<string>(), scheme["scheme"]!.GetValue<string>()));
        foreach (var (endpoint, _) in AccessTable.Roles.Where(e => e.Key != $"GET {ApiDocument.Route}"))
        {
            Assert.True(operations.TryGetValue(InDocument(endpoint), out var operation), $"{endpoint} is not in the document");
            var expected = Enum.GetValues<AccessRole>().Where(role => AccessTable.Allows(endpoint, role)).Select(r => r.ToString().ToLowerInvariant());
            Assert.Equal(expected, operation["x-roles"]!.AsArray().Select(r => r!.GetValue<string>()));
            var security = Assert.Single(operation["security"]!.AsArray())!.AsObject();
            Assert.True(security.ContainsKey(ApiDocument.SecuritySchemeName), $"{endpoint} has no security requirement");
            Assert.False(string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()), $"{endpoint} has no summary");
            foreach (var status in new[] { "400", "401", "403", "429" })
                Assert.True(operation["responses"]!.AsObject().ContainsKey(status), $"{endpoint} does not list its {status} answer");
        }
    }

    [Fact]
    public void the_document_lists_nothing_the_access_table_does_not_and_leaves_out_the_ocpp_websocket()
    {
        var listed = AccessTable.Roles.Keys.Concat(AccessTable.Open).Select(InDocument).ToHashSet();

        Assert.All(Operations(), o => Assert.Contains(o.Name, listed));
        Assert.DoesNotContain(Operations(), o => o.Name.Contains("/ocpp/", StringComparison.Ordinal));
        Assert.Contains(Operations(), o => o.Name == "GET /health");
    }

    [Fact]
    public void every_catalogued_endpoint_is_mapped_and_every_mapped_one_is_catalogued()
    {
        var mapped = AccessTable.Roles.Keys.Concat(AccessTable.Open).Where(e => e != "GET /ocpp/{identity}" && e != $"GET {ApiDocument.Route}").ToHashSet();

        Assert.Empty(mapped.Except(ApiCatalogue.Operations.Keys));
        Assert.Empty(ApiCatalogue.Operations.Keys.Except(mapped));
    }

    [Fact]
    public void every_endpoint_with_a_body_has_an_example_that_its_body_type_reads_without_a_problem()
    {
        var options = _host.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var bodies = _host.Services.GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items
            .SelectMany(g => g.Items)
            .Select(d => (Endpoint: ApiDocument.EndpointName(d), Body: d.ParameterDescriptions.FirstOrDefault(p => p.Source == BindingSource.Body)?.Type))
            .Where(d => d.Body is not null)
            .ToList();
        Assert.True(bodies.Count >= 25, $"only {bodies.Count} endpoints with a body were found");

        foreach (var (endpoint, body) in bodies)
        {
            var documented = Operations().Single(o => o.Name == InDocument(endpoint)).Operation;
            Assert.True(documented["requestBody"]?["content"]?["application/json"]?["example"] is JsonObject, $"{endpoint} has no example body");
            var example = JsonSerializer.SerializeToNode(ApiCatalogue.Operations[endpoint].Example, JsonSerializerOptions.Web);
            // A body in an OCPI object's shape (POST /api/tariffs/ocpi) is read the OCPI way, in snake_case.
            var reader = body!.Namespace?.Contains("Ocpi", StringComparison.Ordinal) == true || body.Name.StartsWith("Ocpi", StringComparison.Ordinal)
                ? Settlement.Host.Roaming.Ocpi.OcpiJson.Options : options;
            Assert.Empty(JsonShapes.Problems(example, body, reader).Select(p => $"{endpoint}: {p}"));
            Assert.NotNull(example.Deserialize(body, reader));
        }
    }

    [Fact]
    public void no_schema_name_or_text_of_the_document_names_a_dotnet_type()
    {
        var text = _document.ToJsonString();

        Assert.All(_document["components"]!["schemas"]!.AsObject(), s => Assert.Matches("^[A-Za-z0-9]+$", s.Key));
        foreach (var leak in new[] { "System.", "Settlement.", "NodaTime.", "Microsoft.", "`1" })
            Assert.DoesNotContain(leak, text);
    }

    [Fact]
    public void instants_dates_money_and_enums_are_described_as_the_json_a_client_writes()
    {
        JsonNode Schema(string endpoint) =>
            Resolve(Operations().Single(o => o.Name == endpoint).Operation["requestBody"]!["content"]!["application/json"]!["schema"]!);

        var tariff = Schema("POST /api/tariffs")["properties"]!;
        Assert.Equal(("string", "date-time"), (TypeOf(Resolve(tariff["validFrom"]!)), Resolve(tariff["validFrom"]!)["format"]!.GetValue<string>()));
        var rate = Schema("POST /api/tax-rates")["properties"]!;
        Assert.Equal(("string", "date"), (TypeOf(Resolve(rate["validFrom"]!)), Resolve(rate["validFrom"]!)["format"]!.GetValue<string>()));
        var protocol = Resolve(Schema("POST /api/chargers")["properties"]!["protocol"]!);
        Assert.Equal(new[] { "Ocpp16", "Ocpp201" }, protocol["enum"]!.AsArray().Select(e => e!.GetValue<string>()));
        var price = Resolve(Operations().Single(o => o.Name == "GET /api/sessions/{sessionId}/price").Operation["responses"]!["200"]!["content"]!["application/json"]!["schema"]!);
        Assert.Contains("\"currency\"", Resolved(price, depth: 4).ToJsonString());
    }

    /// <summary>A second opinion on the document: the Python openapi-spec-validator, where the machine has it.</summary>
    [Fact]
    public async Task an_independent_validator_finds_the_document_valid()
    {
        var file = Path.Combine(Path.GetTempPath(), $"settlement-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, _document.ToJsonString());
        try
        {
            using var validator = Start("openapi-spec-validator", file);
            if (validator is null) return; // not installed here: the other tests still check the document's content
            var output = await validator.StandardOutput.ReadToEndAsync() + await validator.StandardError.ReadToEndAsync();
            await validator.WaitForExitAsync();
            Assert.True(validator.ExitCode == 0, output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Process? Start(string program, string argument)
    {
        try
        {
            return Process.Start(new ProcessStartInfo(program, [argument]) { RedirectStandardOutput = true, RedirectStandardError = true });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private JsonNode Resolve(JsonNode schema)
    {
        if (schema is not JsonObject) return schema;
        if (schema["$ref"]?.GetValue<string>() is { } reference)
            return _document["components"]!["schemas"]![reference.Split('/')[^1]]!;
        // A nullable reference is written as oneOf [null, $ref] or anyOf.
        if ((schema["oneOf"] ?? schema["anyOf"]) is JsonArray choices && choices.FirstOrDefault(c => c?["$ref"] is not null) is { } referenced)
            return Resolve(referenced);
        return schema;
    }

    /// <summary>The schema with its references replaced, to the depth given, to search the shape it describes.</summary>
    private JsonNode Resolved(JsonNode schema, int depth)
    {
        if (schema is JsonArray items)
            return new JsonArray([.. items.Select(item => item is null || depth == 0 ? item?.DeepClone() : Resolved(item, depth - 1))]);
        var resolved = Resolve(schema).DeepClone();
        if (depth > 0 && resolved is JsonObject fields)
            foreach (var (name, value) in fields.ToList())
                if (value is JsonObject or JsonArray) fields[name] = Resolved(value, depth - 1);
        return resolved;
    }

    private static string TypeOf(JsonNode schema) => schema["type"] switch
    {
        JsonArray types => types.Select(t => t!.GetValue<string>()).Single(t => t != "null"),
        { } type => type.GetValue<string>(),
        null => "(none)",
    };
}
