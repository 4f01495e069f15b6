namespace Yamori.Sigma.Rules;

/// <summary>Rule criticality, ordered so that comparisons mean "at least as severe".</summary>
public enum SigmaLevel
{
    Informational = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}

public static class SigmaLevels
{
    public static bool TryParse(string? text, out SigmaLevel level)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "informational": level = SigmaLevel.Informational; return true;
            case "low": level = SigmaLevel.Low; return true;
            case "medium": level = SigmaLevel.Medium; return true;
            case "high": level = SigmaLevel.High; return true;
            case "critical": level = SigmaLevel.Critical; return true;
            default: level = SigmaLevel.Medium; return false;
        }
    }

    public static string ToSigma(this SigmaLevel level) => level switch
    {
        SigmaLevel.Informational => "informational",
        SigmaLevel.Low => "low",
        SigmaLevel.Medium => "medium",
        SigmaLevel.High => "high",
        _ => "critical",
    };
}
