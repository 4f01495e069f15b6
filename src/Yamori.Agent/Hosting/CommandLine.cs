namespace Yamori.Agent.Hosting;

/// <summary>"--name value" options, "--flag" switches and positional arguments; an option given twice is an error.</summary>
internal sealed class CommandLine
{
    private static readonly HashSet<string> Switches = ["purge"];
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public static CommandLine Parse(ReadOnlySpan<string> args)
    {
        var cl = new CommandLine();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                cl.Positional.Add(a);
                continue;
            }

            string name = a[2..];
            string? value = null;
            if (!Switches.Contains(name))
            {
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"--{name} needs a value");
                }

                value = args[++i];
            }

            if (!cl._options.TryAdd(name, value))
            {
                throw new ArgumentException($"--{name} is given twice");
            }
        }

        return cl;
    }

    public string? Get(string name) => _options.TryGetValue(name, out string? v) ? v : null;

    public bool Has(string name) => _options.ContainsKey(name);

    public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");
}
