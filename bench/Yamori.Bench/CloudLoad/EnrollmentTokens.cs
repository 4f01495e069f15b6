using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Yamori.Bench.CloudLoad;

/// <summary>Enrollment tokens for the simulated fleet.</summary>
internal static partial class EnrollmentTokens
{
    /// <summary>The demo tokens <c>yamori up --demo</c> printed (100 uses each).</summary>
    public static Task<IReadOnlyList<string>> ForAsync(CloudProcess cloud, X509Certificate2 ca, int agents)
    {
        _ = ca;
        var tokens = cloud.Banner.Select(l => TokenLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        if (tokens.Count * 100 < agents)
        {
            throw new InvalidOperationException($"{agents} agents need more than the {tokens.Count} demo tokens of 100 uses");
        }

        return Task.FromResult<IReadOnlyList<string>>(tokens);
    }

    [GeneratedRegex(@"enrollment token for .* \(100 uses, .*\): (ymt_\S+)$")]
    private static partial Regex TokenLine();
}
