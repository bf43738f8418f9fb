using Settlement.Domain.Deciding;
using Xunit;

namespace Settlement.Tests;

/// <summary>
/// Given events / When a command / Then events or a refusal, for any pure decider: a test states history as
/// events, never as hand-built state, so it breaks when folding the history breaks too.
/// </summary>
/// <example><code>
/// Spec.Given(tariffPublished).When(assign).Then(tariffAssigned);
/// Spec.Given().When(assign).ThenRefused(RefusalKind.Invalid, "has never been published");
/// </code></example>
public sealed class DeciderSpec<TState, TCommand>(TState initial, Func<TState, object, TState> evolve, Func<TState, TCommand, Decision> decide)
{
    public Scenario Given(params object[] history) => new(this, history);

    private Decision Decide(IReadOnlyList<object> history, TCommand command) => decide(history.Aggregate(initial, evolve), command);

    public sealed class Scenario(DeciderSpec<TState, TCommand> spec, IReadOnlyList<object> history)
    {
        public Outcome When(TCommand command) => new(spec.Decide(history, command));
    }

    public sealed class Outcome(Decision decision)
    {
        public Decision Decision { get; } = decision;

        /// <summary>Accepted, with exactly these events in this order (none: the command changes nothing).</summary>
        public void Then(params object[] expected)
        {
            Assert.Null(Decision.Refusal);
            Assert.Equal(expected, Decision.Events);
        }

        /// <summary>Refused as <paramref name="kind"/>, nothing to append, each fragment found in some problem.</summary>
        public void ThenRefused(RefusalKind kind, params string[] fragments)
        {
            var refusal = Assert.IsType<Refusal>(Decision.Refusal);
            Assert.Equal(kind, refusal.Kind);
            Assert.Empty(Decision.Events);
            foreach (var fragment in fragments)
                Assert.Contains(refusal.Problems, problem => problem.Contains(fragment, StringComparison.Ordinal));
        }
    }
}
