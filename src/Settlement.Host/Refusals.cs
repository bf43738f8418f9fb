using Microsoft.AspNetCore.Http;
using Settlement.Ledger;
using Settlement.Ledger.Schemas;

namespace Settlement.Host;

public enum RefusalKind { NotFound, Conflict, Unprocessable }

/// <summary>Nothing was issued or recorded; the message says why and what to do.</summary>
public sealed class RequestRefusedException(RefusalKind kind, string message) : Exception(message)
{
    public RefusalKind Kind { get; } = kind;
}

public static class Refusals
{
    /// <summary>Appends, refusing (422, with the schema's problems) an event that breaks its contract.</summary>
    public static async Task AppendOrRefuseAsync(this Ledger.Ledger ledger, StreamAppend append, CancellationToken ct)
    {
        try
        {
            await ledger.AppendAsync(append, ct);
        }
        catch (MalformedEventException e)
        {
            throw new RequestRefusedException(RefusalKind.Unprocessable, e.Message);
        }
    }

    /// <summary>The action's answer, or the refusal it threw as 404, 409 or 422 with its message.</summary>
    public static async Task<IResult> Answer(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (RequestRefusedException refused)
        {
            var body = new { error = refused.Message };
            return refused.Kind switch
            {
                RefusalKind.NotFound => Results.NotFound(body),
                RefusalKind.Conflict => Results.Conflict(body),
                _ => Results.UnprocessableEntity(body),
            };
        }
    }
}
