using System.Diagnostics;
using Yamori.Sigma.Correlation;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Filters;
using Yamori.Sigma.Matching;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Loading;

/// <summary>
/// Loads rule files and folders: parses every YAML document, compiles detection rules, attaches
/// filters and checks correlation references. A bad rule is reported (file, line, id, reason) and
/// the rest still load; nothing is skipped silently.
/// </summary>
public static class RuleLoader
{
    /// <summary>Loads every <c>.yml</c>/<c>.yaml</c> file under the given files or folders.</summary>
    public static RuleSet Load(IEnumerable<string> paths, CompileOptions? options = null)
    {
        var files = new List<string>();
        var missing = new List<RuleError>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (string f in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
                {
                    if (f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
                    {
                        files.Add(f);
                    }
                }
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                missing.Add(new RuleError(path, 0, null, "io", "no such file or folder"));
            }
        }

        files.Sort(StringComparer.Ordinal);
        var sw = Stopwatch.StartNew();
        var parsed = new IReadOnlyList<ParsedDocument>[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            try
            {
                parsed[i] = RuleParser.Parse(File.ReadAllText(files[i]), files[i]);
            }
            catch (IOException ex)
            {
                parsed[i] = [new ParsedDocument(null, new RuleError(files[i], 0, null, "io", ex.Message))];
            }
            catch (UnauthorizedAccessException ex)
            {
                parsed[i] = [new ParsedDocument(null, new RuleError(files[i], 0, null, "io", ex.Message))];
            }
            catch (Exception ex)
            {
                // Whatever a hostile file triggers in a library, it costs that file only, never the load.
                parsed[i] = [new ParsedDocument(null, new RuleError(files[i], 0, null, "internal", $"{ex.GetType().Name}: {ex.Message}"))];
            }
        });

        var docs = new List<ParsedDocument>();
        foreach (IReadOnlyList<ParsedDocument> p in parsed)
        {
            docs.AddRange(p);
        }

        return Build(docs, files.Count, options ?? CompileOptions.Default, missing, sw);
    }

    /// <summary>Loads rules from YAML text (tests, rules typed into a console, per-tenant filters).</summary>
    public static RuleSet LoadYaml(IEnumerable<(string Name, string Yaml)> sources, CompileOptions? options = null)
    {
        var sw = Stopwatch.StartNew();
        var docs = new List<ParsedDocument>();
        int n = 0;
        foreach ((string name, string yaml) in sources)
        {
            n++;
            docs.AddRange(RuleParser.Parse(yaml, name));
        }

        return Build(docs, n, options ?? CompileOptions.Default, [], sw);
    }

    /// <summary>Loads a single YAML text (which may hold several documents).</summary>
    public static RuleSet LoadYaml(string yaml, CompileOptions? options = null) => LoadYaml([("<inline>", yaml)], options);

    private static RuleSet Build(List<ParsedDocument> docs, int fileCount, CompileOptions options, List<RuleError> errors, Stopwatch sw)
    {
        var rules = new List<SigmaRule>();
        var correlations = new List<CorrelationRule>();
        var filters = new List<SigmaFilter>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParsedDocument d in docs)
        {
            if (d.Error is not null)
            {
                errors.Add(d.Error);
                continue;
            }

            SigmaRuleBase rule = d.Rule!;
            if (!ids.Add(rule.Id))
            {
                errors.Add(new RuleError(rule.Location.File, rule.Location.Line, rule.Id, "duplicate-id", $"rule id {rule.Id} is already used by another loaded rule; this one is ignored"));
                continue;
            }

            switch (rule)
            {
                case SigmaRule r: rules.Add(r); break;
                case CorrelationRule c: correlations.Add(c); break;
                case SigmaFilter f: filters.Add(f); break;
            }
        }

        var fields = new FieldTable();
        var compiled = new CompiledRule?[rules.Count];
        var compileErrors = new RuleError?[rules.Count];
        Parallel.For(0, rules.Count, i =>
        {
            SigmaRule r = rules[i];
            try
            {
                compiled[i] = new CompiledRule(r, DetectionCompiler.Compile(r.Searches, r.Condition, fields, options));
            }
            catch (RuleLoadException ex)
            {
                compileErrors[i] = new RuleError(r.Location.File, ex.Line, r.Id, ex.ReasonCode, ex.Message);
            }
            catch (Exception ex)
            {
                compileErrors[i] = new RuleError(r.Location.File, r.Location.Line, r.Id, "internal", $"{ex.GetType().Name}: {ex.Message}");
            }
        });

        var good = new List<CompiledRule>(rules.Count);
        var byRef = new Dictionary<string, CompiledRule>(StringComparer.Ordinal);
        for (int i = 0; i < rules.Count; i++)
        {
            if (compileErrors[i] is { } err)
            {
                errors.Add(err);
                continue;
            }

            CompiledRule c = compiled[i]!;
            good.Add(c);
            byRef.TryAdd(c.Rule.Id, c);
            if (c.Rule.Name is { Length: > 0 } name)
            {
                byRef.TryAdd(name, c);
            }
        }

        var goodFilters = new List<SigmaFilter>();
        foreach (SigmaFilter f in filters)
        {
            try
            {
                var cf = new CompiledFilter(f, DetectionCompiler.Compile(f.Searches, f.Condition, fields, options));
                foreach (string target in f.Rules)
                {
                    if (byRef.TryGetValue(target, out CompiledRule? rule))
                    {
                        rule.Filters.Add(cf);
                    }
                    else
                    {
                        errors.Add(new RuleError(f.Location.File, f.Location.Line, f.Id, "filter-target", $"filter '{f.Title}' names rule '{target}', which is not loaded; the filter does not apply to it"));
                    }
                }

                goodFilters.Add(f);
            }
            catch (RuleLoadException ex)
            {
                errors.Add(new RuleError(f.Location.File, ex.Line, f.Id, ex.ReasonCode, ex.Message));
            }
        }

        // The correlation engine resolves references (by id or name), cycles and aliases; a probe
        // instance reports what is wrong, and only the correlations it accepted are kept.
        var goodRules = new List<SigmaRule>(good.Count);
        foreach (CompiledRule c in good)
        {
            goodRules.Add(c.Rule);
        }

        CorrelationEngine probe = RuleSet.CreateCorrelationEngine(goodRules, correlations);
        errors.AddRange(probe.Errors);
        var goodCorrelations = new List<CorrelationRule>(probe.Correlations);
        var report = new LoadReport
        {
            Files = fileCount,
            Documents = docs.Count,
            DetectionRules = good.Count,
            Correlations = goodCorrelations.Count,
            Filters = goodFilters.Count,
            Errors = errors,
            Elapsed = sw.Elapsed,
        };
        return new RuleSet(good, goodCorrelations, goodFilters, fields, report);
    }
}
