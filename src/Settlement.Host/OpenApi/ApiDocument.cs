using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using NodaTime;
using Settlement.Domain.Access;
using Settlement.Domain.Monetary;
using Settlement.Host.Access;

namespace Settlement.Host.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document of the REST API at <see cref="Route"/>, built from the endpoints the host maps and
/// completed here, in one place, from <see cref="AccessTable"/> (who may call what) and <see cref="ApiCatalogue"/>
/// (summaries, examples, answers): the endpoint files are not touched to describe them.
/// </summary>
public static class ApiDocument
{
    public const string Route = "/openapi/v1.json";
    public const string SecuritySchemeName = "apiKey";
    private const string DocumentName = "v1";

    /// <summary>Who answers the errors every endpoint may give, and when.</summary>
    private static readonly (int Status, string Description)[] Errors =
    [
        (400, "The request is not of the expected shape: every problem names its field and what was expected there."),
        (401, "No API key, or one that is unknown, rotated or revoked."),
        (403, "The key's role may not call this endpoint (see x-roles)."),
        (404, "What the request names does not exist, or is not this key's sub-operator's."),
        (409, "The request conflicts with what was recorded meanwhile, or the charger is not connected."),
        (422, "The request is well formed but cannot be done in the ledger's current state."),
        (429, "Too many failed authentications from this client: wait for Retry-After seconds."),
    ];

    public static IServiceCollection AddApiDocument(this IServiceCollection services) => services.AddOpenApi(DocumentName, options =>
    {
        // The OCPP WebSocket and the OCPI modules are described by OCPP and OCPI themselves, not by this document.
        options.ShouldInclude = description => description.RelativePath is not { } path
            || !(path.StartsWith("ocpp/", StringComparison.Ordinal) || path.StartsWith("ocpi/", StringComparison.Ordinal));
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Settlement API",
                Version = "v1",
                Description = "The REST API of the Settlement ledger for charge point operators. Every endpoint but /health needs an API key "
                              + "(\"Authorization: Bearer stl_...\"); x-roles names the roles whose keys may call it. Errors answer "
                              + "{ \"error\": \"...\", \"problems\": [\"field: expected ...\"] }.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "stl_<key id>_<secret>",
                Description = "An API key, created by `./settle keys create` or POST /api/keys, shown once. Also accepted as an X-Api-Key header.",
            };
            // Each operation is tagged with its capability; the document lists those tags, and no other.
            document.Tags = document.Paths.Values.SelectMany(path => path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
                .SelectMany(operation => operation.Tags ?? new HashSet<OpenApiTagReference>()).Select(tag => tag.Name).Distinct()
                .Order(StringComparer.Ordinal).Select(name => new OpenApiTag { Name = name }).ToHashSet();
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            var endpoint = EndpointName(context.Description);
            var catalogued = ApiCatalogue.Operations.GetValueOrDefault(endpoint);
            operation.Summary = catalogued?.Summary ?? operation.Summary;
            operation.Tags = new HashSet<OpenApiTagReference> { new(Capability(context.Description), context.Document) };
            var open = AccessTable.Open.Contains(endpoint);
            var roles = open ? [] : Enum.GetValues<AccessRole>().Where(role => AccessTable.Allows(endpoint, role)).ToArray();
            if (!open)
            {
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions["x-roles"] = new JsonNodeExtension(new JsonArray([.. roles.Select(r => JsonValue.Create(Named(r)))]));
                operation.Description = $"Roles: {string.Join(", ", roles.Select(Named))}.";
            }
            var key = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, context.Document)] = [] };
            // An open endpoint takes a key too: /health then says more.
            operation.Security = open ? [new OpenApiSecurityRequirement(), key] : [key];

            if (catalogued?.Example is { } example
                && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
                body.Example = JsonSerializer.SerializeToNode(example, JsonSerializerOptions.Web);

            operation.Responses ??= new OpenApiResponses();
            if (catalogued is not null)
            {
                operation.Responses.Remove("200");
                operation.Responses[catalogued.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                    await SuccessAsync(catalogued, context, ct);
            }
            var error = await ComponentAsync(typeof(ErrorAnswer), context, ct);
            foreach (var (status, description) in Errors.Where(e => !open || e.Status == 429))
                operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = error } },
                };
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
            var nullable = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) is not null ? JsonSchemaType.Null : 0;
            if (ConverterShapes.TryGetValue(type, out var shape))
            {
                schema.Type = shape.Type | nullable;
                schema.Format = shape.Format;
                schema.Pattern = shape.Pattern;
                schema.Examples = shape.Example is null ? null : [shape.Example];
                schema.Description = JsonShapes.Expected(type, JsonSerializerOptions.Web);
                schema.Properties = shape.Properties?.Invoke();
                schema.Required = shape.Properties is null ? null : new HashSet<string> { "amount", "currency" };
            }
            return Task.CompletedTask;
        });
    });

    public static IEndpointRouteBuilder MapApiDocument(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(Route);
        return app;
    }

    /// <summary>The body of every error answer.</summary>
    public sealed record ErrorAnswer(string Error, IReadOnlyList<string>? Problems = null);

    /// <summary>"METHOD /route" as <see cref="AccessTable"/> names the endpoint.</summary>
    public static string EndpointName(ApiDescription description) =>
        $"{description.HttpMethod} /{(description.ActionDescriptor.AttributeRouteInfo?.Template ?? description.RelativePath ?? "").TrimStart('/')}";

    private static string Named(AccessRole role) => role.ToString().ToLowerInvariant();

    private static async Task<IOpenApiResponse> SuccessAsync(ApiOperation catalogued, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var response = new OpenApiResponse { Description = catalogued.Status == 201 ? "Recorded." : catalogued.Status == 204 ? "Done; nothing to show." : "OK." };
        if (catalogued.Files is { } files)
            response.Content = files.ToDictionary(media => media, media => new OpenApiMediaType
            {
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = media == "application/pdf" ? "binary" : null },
            });
        else if (catalogued.Answer is { } answer)
            response.Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await ComponentAsync(answer, context, ct) },
            };
        return response;
    }

    /// <summary>
    /// A reference to the type's schema among the document's components, added on first use: answers and errors are
    /// repeated on many operations and would otherwise be written out in full on each. A list refers to its item's.
    /// </summary>
    private static async Task<IOpenApiSchema> ComponentAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var item = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0] : null;
        var named = item ?? type;
        var name = ComponentName(named);
        var components = context.Document!.Components ??= new OpenApiComponents();
        components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!components.Schemas.ContainsKey(name))
            components.Schemas[name] = await context.GetOrCreateSchemaAsync(named, null, ct);
        var reference = new OpenApiSchemaReference(name, context.Document);
        return item is null ? reference : new OpenApiSchema { Type = JsonSchemaType.Array, Items = reference };
    }

    /// <summary>A generic type's component named by its arguments too (Page&lt;SiteView&gt;: PageOfSiteView), so each page of a list has its own.</summary>
    private static string ComponentName(Type type) =>
        type.IsGenericType
            ? $"{type.Name[..type.Name.IndexOf('`')]}Of{string.Concat(type.GetGenericArguments().Select(ComponentName))}"
            : type.Name;

    /// <summary>The capability whose folder maps the endpoint (Settlement.Host.Tariffs: Tariffs); the host's own: Host.</summary>
    private static string Capability(ApiDescription description) =>
        description.ActionDescriptor.EndpointMetadata.OfType<System.Reflection.MethodInfo>().FirstOrDefault()?.DeclaringType?.Namespace is { } space
        && space.StartsWith("Settlement.Host.", StringComparison.Ordinal)
            ? space["Settlement.Host.".Length..].Split('.')[0]
            : "Host";

    /// <summary>JSON shapes of the types that have their own converter, which the schema generator cannot see into.</summary>
    private sealed record ConverterShape(JsonSchemaType Type, string? Format = null, string? Pattern = null, JsonNode? Example = null,
        Func<IDictionary<string, IOpenApiSchema>>? Properties = null);

    private static readonly Dictionary<Type, ConverterShape> ConverterShapes = new()
    {
        [typeof(Instant)] = new(JsonSchemaType.String, "date-time", Example: "2026-10-12T18:30:00Z"),
        [typeof(LocalDate)] = new(JsonSchemaType.String, "date", Example: "2026-10-01"),
        [typeof(LocalTime)] = new(JsonSchemaType.String, "time", Example: "18:30:00"),
        [typeof(Currency)] = new(JsonSchemaType.String, Pattern: "^[A-Z]{3}$", Example: "EUR"),
        [typeof(Money)] = new(JsonSchemaType.Object, Example: new JsonObject { ["amount"] = 12.34m, ["currency"] = "EUR" },
            Properties: () => new Dictionary<string, IOpenApiSchema>
            {
                ["amount"] = new OpenApiSchema { Type = JsonSchemaType.Number },
                ["currency"] = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[A-Z]{3}$" },
            }),
    };
}
