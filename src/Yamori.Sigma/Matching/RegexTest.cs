using System.Text.RegularExpressions;

namespace Yamori.Sigma.Matching;

internal sealed class RegexTest(Regex regex) : ValueTest
{
    /// <summary>Evaluations on one thread after which its instance is recompiled to IL.</summary>
    private const int CompileAfter = 1000;

    private readonly IReadOnlyList<string>? _literals = RegexLiterals.Required(regex.ToString());

    // A Regex caches one runner; threads sharing it build a new runner per call. One instance per
    // thread keeps matching allocation-free when sessions run in parallel. Hot regexes are then
    // compiled to IL (about 5x faster); cold ones never pay the compilation.
    private readonly ThreadLocal<Slot> _perThread = new(() => new Slot(new Regex(regex.ToString(), regex.Options, regex.MatchTimeout)));

    public override IReadOnlyList<string>? RequiredLiterals => _literals;

    public override bool Test(string value)
    {
        Slot slot = _perThread.Value!;
        if (++slot.Uses == CompileAfter)
        {
            slot.Regex = new Regex(regex.ToString(), regex.Options | RegexOptions.Compiled, regex.MatchTimeout);
        }

        try
        {
            return slot.Regex.IsMatch(value.AsSpan());
        }
        catch (RegexMatchTimeoutException)
        {
            // A pathological value must not stall the pipeline; count it and treat it as no match.
            Interlocked.Increment(ref EngineCounters.RegexTimeouts);
            return false;
        }
    }

    public override string ToString() => $"re '{regex}'";

    private sealed class Slot(Regex regex)
    {
        public Regex Regex = regex;
        public int Uses;
    }
}

/// <summary>Process-wide counters of conditions the engine absorbed instead of failing.</summary>
public static class EngineCounters
{
    /// <summary>Regex evaluations abandoned at their timeout (counted as no match).</summary>
#pragma warning disable CA2211 // a public field so Interlocked can update it
    public static long RegexTimeouts;
#pragma warning restore CA2211
}
