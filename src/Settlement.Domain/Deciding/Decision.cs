namespace Settlement.Domain.Deciding;

/// <summary>Why a command was refused, as the edges answer it (HTTP: 400, 404, 409, 422).</summary>
public enum RefusalKind { Invalid, NotFound, Conflict, Unprocessable }

/// <summary>A command refused: nothing is appended, and every problem is named.</summary>
public sealed record Refusal(RefusalKind Kind, IReadOnlyList<string> Problems)
{
    public string Message => string.Join("; ", Problems);
}

/// <summary>
/// What a decider returns for a command: the events to append (none when the command changes nothing, e.g. a
/// repeat), or a refusal. Deciders are pure: the same state and command always give the same decision.
/// </summary>
public sealed record Decision(IReadOnlyList<object> Events, Refusal? Refusal)
{
    public bool Refused => Refusal is not null;

    public static Decision Accept(params IReadOnlyList<object> events) => new(events, null);

    public static Decision Refuse(RefusalKind kind, params IReadOnlyList<string> problems) =>
        problems.Count == 0
            ? throw new ArgumentException("A refusal names at least one problem.", nameof(problems))
            : new([], new Refusal(kind, problems));
}
