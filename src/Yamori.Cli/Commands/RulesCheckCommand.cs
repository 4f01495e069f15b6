using Yamori.Sigma.Loading;
using Yamori.Sigma.Parsing;

namespace Yamori.Cli.Commands;

/// <summary><c>yamori rules check</c>: the loader report, every error with file, line, id and reason.</summary>
internal static class RulesCheckCommand
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var options = new Options(args, "placeholders");
        if (options.Positional.Count == 0)
        {
            throw new UsageException("rules check needs at least one rule file or folder");
        }

        RuleSet set = RuleLoader.Load(options.Positional, options.CompileOptions());
        foreach (RuleError e in set.Errors)
        {
            stdout.WriteLine($"error: {e}");
        }

        stdout.WriteLine(set.Report.ToString());
        return set.Report.Failed == 0 ? 0 : 1;
    }
}
