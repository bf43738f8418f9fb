using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Settlement.Host;

/// <summary>
/// A request the endpoint cannot bind (a body of the wrong shape, malformed JSON, a query or route value of the wrong
/// type) is answered 400 with <c>{ error, problems }</c>: every problem names its field and the shape expected there,
/// never a .NET type, which is all the framework's own messages would tell.
/// </summary>
public static partial class RequestErrors
{
    /// <summary>After routing, so the endpoint and the type of its body are known.</summary>
    public static IApplicationBuilder UseRequestErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var body = context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        // A refused body is read again to find all its problems, not only the first the deserializer met.
        if (body is not null) context.Request.EnableBuffering();
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException bad) when (!context.Response.HasStarted)
        {
            var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            var problems = bad.InnerException is JsonException && body is not null
                ? await BodyProblemsAsync(context.Request, body, options)
                : ParameterProblems(bad, context.GetEndpoint(), options);
            context.Response.StatusCode = bad.StatusCode;
            await context.Response.WriteAsJsonAsync(problems.Count == 0
                ? new { error = ParameterTypesRemoved().Replace(bad.Message, "\"${name}\""), problems }
                : new { error = $"The request is not of the expected shape: {string.Join("; ", problems)}.", problems });
        }
    });

    private static async Task<IReadOnlyList<string>> BodyProblemsAsync(HttpRequest request, Type body, JsonSerializerOptions options)
    {
        request.Body.Position = 0;
        JsonNode? node;
        try
        {
            node = await JsonNode.ParseAsync(request.Body, documentOptions: new JsonDocumentOptions { MaxDepth = options.MaxDepth });
        }
        catch (JsonException malformed)
        {
            return [$"body: malformed JSON at line {malformed.LineNumber + 1}, byte {malformed.BytePositionInLine + 1}; expected {JsonShapes.Expected(body, options)}"];
        }
        var problems = JsonShapes.Problems(node, body, options);
        // The deserializer refused what the walk accepts only where a converter is stricter than its shape says.
        return problems.Count > 0 ? problems : [$"body: expected {JsonShapes.Expected(body, options)}"];
    }

    /// <summary>The framework names a parameter as "Type name"; the client knows the name and the shape.</summary>
    private static IReadOnlyList<string> ParameterProblems(BadHttpRequestException bad, Endpoint? endpoint, JsonSerializerOptions options)
    {
        var handler = endpoint?.Metadata.OfType<MethodInfo>().FirstOrDefault();
        ParameterInfo? Parameter(string name) =>
            handler?.GetParameters().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

        if (FailedToBind().Match(bad.Message) is { Success: true } failed && Parameter(failed.Groups["name"].Value) is { } given)
            return [$"{given.Name}: expected {JsonShapes.Expected(given.ParameterType, options)}, not '{Shown(failed.Groups["value"].Value)}'"];
        if (NotProvided().Match(bad.Message) is { Success: true } missing && Parameter(missing.Groups["name"].Value) is { } absent)
            return [missing.Groups["source"].Value == "body"
                ? $"body: required, expected {JsonShapes.Expected(absent.ParameterType, options)}"
                : $"{absent.Name}: required, expected {JsonShapes.Expected(absent.ParameterType, options)}"];
        if (NoBody().Match(bad.Message) is { Success: true } empty && Parameter(empty.Groups["name"].Value) is { } body)
            return [$"body: required, expected {JsonShapes.Expected(body.ParameterType, options)}"];
        return [];
    }

    /// <summary>"RegisterChargerBody body" in a message the framework wrote: the client knows only the name.</summary>
    [GeneratedRegex("\"[^\" ]+ (?<name>\\w+)\"")]
    private static partial Regex ParameterTypesRemoved();

    private static string Shown(string value) => value.Length <= 60 ? value : value[..60] + "...";

    [GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>\w+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("""^Required parameter "(?<type>.+) (?<name>\w+)" was not provided from (?<source>[\w ]+)\.$""")]
    private static partial Regex NotProvided();

    [GeneratedRegex("""^Implicit body inferred for parameter "(?:(?<type>.+) )?(?<name>\w+)" but no body was provided""")]
    private static partial Regex NoBody();

}
