using Microsoft.AspNetCore.Http;
using Settlement.Domain.Deciding;

namespace Settlement.Host;

/// <summary>Nothing was issued or recorded; the message says why and what to do.</summary>
public sealed class RequestRefusedException(RefusalKind kind, string message) : Exception(message)
{
    public RefusalKind Kind { get; } = kind;
}

public static class Refusals
{
    /// <summary>The action's answer, or the refusal it threw, answered as <see cref="ToHttp(Refusal)"/> does.</summary>
    public static async Task<IResult> Answer(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (RequestRefusedException refused)
        {
            return ToHttp(refused.Kind, new { error = refused.Message });
        }
    }

    /// <summary>The one mapping of refusals to HTTP: 400 invalid, 404 not found, 409 conflict, 422 unprocessable; the body names every problem.</summary>
    public static IResult ToHttp(this Refusal refusal) =>
        ToHttp(refusal.Kind, new { error = refusal.Message, problems = refusal.Problems });

    /// <summary>As <see cref="ToHttp(Refusal)"/>, with <paramref name="error"/> saying what was refused.</summary>
    public static IResult ToHttp(this Refusal refusal, string error) =>
        ToHttp(refusal.Kind, new { error, problems = refusal.Problems });

    private static IResult ToHttp(RefusalKind kind, object body) => kind switch
    {
        RefusalKind.Invalid => Results.BadRequest(body),
        RefusalKind.NotFound => Results.NotFound(body),
        RefusalKind.Conflict => Results.Conflict(body),
        _ => Results.UnprocessableEntity(body),
    };
}
