using Yamori.Sigma.Matching;

namespace Yamori.Cli.Commands;

/// <summary>A tiny option reader: repeated <c>--name value</c> options and positional arguments.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> args, params string[] known)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string a = list[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                string name = a[2..];
                if (!known.Contains(name))
                {
                    throw new UsageException($"unknown option '{a}'");
                }

                if (i + 1 >= list.Count)
                {
                    throw new UsageException($"option '{a}' needs a value");
                }

                if (!_values.TryGetValue(name, out List<string>? values))
                {
                    _values[name] = values = [];
                }

                values.Add(list[++i]);
            }
            else
            {
                Positional.Add(a);
            }
        }
    }

    public List<string> Positional { get; } = [];

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out List<string>? v) ? v : [];

    public string? One(string name) => _values.TryGetValue(name, out List<string>? v) ? v[^1] : null;

    public CompileOptions CompileOptions()
    {
        string? file = One("placeholders");
        return file is null ? Sigma.Matching.CompileOptions.Default : new CompileOptions { Placeholders = PlaceholderConfig.Load(file) };
    }
}
