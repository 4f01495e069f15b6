namespace Yamori.Sigma.Rules;

/// <summary>
/// A rule that cannot be loaded or compiled. Carries everything a rule author needs to fix it:
/// file, YAML line, rule id and reason, plus a short machine-readable reason code for reports.
/// </summary>
public sealed class RuleLoadException : Exception
{
    public RuleLoadException(string reasonCode, string message, int line = 0, Exception? inner = null)
        : base(message, inner)
    {
        ReasonCode = reasonCode;
        Line = line;
    }

    public RuleLoadException()
        : this("error", "rule error")
    {
    }

    public RuleLoadException(string message)
        : this("error", message)
    {
    }

    public RuleLoadException(string message, Exception innerException)
        : this("error", message, 0, innerException)
    {
    }

    /// <summary>Short category used to count failures (e.g. <c>unknown-modifier</c>, <c>yaml</c>).</summary>
    public string ReasonCode { get; }

    /// <summary>1-based YAML line, or 0 when unknown.</summary>
    public int Line { get; }
}
