using System.Diagnostics;
using System.Diagnostics.Metrics;
using Mediator;
using Settlement.Domain.Deciding;

namespace Settlement.Host;

/// <summary>A command that can tell, from itself alone, what is wrong with it: refused before its handler runs.</summary>
public interface ISelfValidating : ICommand<Decision>
{
    /// <summary>Every problem with the command; none when it may go on to its handler.</summary>
    IReadOnlyList<string> Problems();
}

/// <summary>
/// Every message from every edge passes here on its way to its one handler: what holds for all commands
/// (validation, metrics, and in issue 22 authorisation) is written once, not per endpoint.
/// </summary>
public sealed class CommandPipeline<TMessage, TResponse> : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = CommandMetrics.Failed;
        try
        {
            if (message is ISelfValidating validating && validating.Problems() is { Count: > 0 } problems
                && Decision.Refuse(RefusalKind.Invalid, problems) is TResponse invalid)
            {
                outcome = CommandMetrics.Invalid;
                return invalid;
            }
            var response = await next(message, ct);
            outcome = response is Decision { Refused: true } ? CommandMetrics.Refused : CommandMetrics.Handled;
            return response;
        }
        finally
        {
            CommandMetrics.Record(typeof(TMessage).Name, outcome, Stopwatch.GetElapsedTime(started));
        }
    }
}

/// <summary>The meter <c>Settlement.Commands</c>: how many commands of each type ended how, and how long they took.</summary>
public static class CommandMetrics
{
    public const string MeterName = "Settlement.Commands";
    public const string Handled = "handled";
    public const string Refused = "refused";
    public const string Invalid = "invalid";
    public const string Failed = "failed";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Commands =
        Meter.CreateCounter<long>("settlement.commands", "{command}", "Commands handled, by type and outcome (handled, refused, invalid, failed).");
    private static readonly Histogram<double> Duration =
        Meter.CreateHistogram<double>("settlement.command.duration", "s", "Time from a command entering the pipeline to its answer.");

    internal static void Record(string command, string outcome, TimeSpan took)
    {
        var tags = new TagList { { "command", command }, { "outcome", outcome } };
        Commands.Add(1, tags);
        Duration.Record(took.TotalSeconds, tags);
    }
}
