using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Yamori.Sigma.Modifiers;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Matching;

/// <summary>
/// Compiles one <c>field|modifiers: values</c> item into a matcher, applying the modifier chain in the
/// order written and rejecting chains the specification does not allow, with the reason.
/// </summary>
internal static partial class ItemCompiler
{
    public static Matcher Compile(FieldItem item, FieldTable fields, CompileOptions options)
    {
        var mods = new List<Modifier>(item.Modifiers.Count);
        foreach (string name in item.Modifiers)
        {
            if (!Modifiers.Modifiers.TryParse(name, out Modifier m))
            {
                throw Fail(item, "unknown-modifier", $"unknown modifier '{name}'");
            }

            mods.Add(m);
        }

        bool all = mods.Contains(Modifier.All);
        if (all && item.Values.Count < 2)
        {
            // The spec: "Single item values are not allowed to have an all modifier."
            throw Fail(item, "invalid-modifier", "'all' needs a list of at least two values");
        }

        bool cased = mods.Contains(Modifier.Cased);
        bool neq = mods.Contains(Modifier.Neq);

        foreach (RawValue v in item.Values)
        {
            if (v.Kind == RawValueKind.Null && (item.Values.Count > 1 || mods.Count > 0))
            {
                throw Fail(item, "invalid-value", "null must be the only value and takes no modifiers");
            }
        }

        if (item.Field is null)
        {
            return CompileKeywords(item, mods, all, cased, options);
        }

        int slot = fields.Slot(item.Field);
        if (item.Values.Count == 1 && item.Values[0].Kind == RawValueKind.Null)
        {
            return new NullMatcher(slot);
        }

        if (mods.Contains(Modifier.Exists))
        {
            if (mods.Count != 1 || item.Values.Count != 1 || item.Values[0].Kind != RawValueKind.Boolean)
            {
                throw Fail(item, "invalid-modifier", "'exists' stands alone and takes true or false");
            }

            return new ExistsMatcher(slot, item.Values[0].Text == "true");
        }

        if (mods.Contains(Modifier.FieldRef))
        {
            return CompileFieldRef(item, mods, slot, fields, all, cased, neq);
        }

        ValueTest[] tests;
        if (mods.Contains(Modifier.Re))
        {
            tests = CompileRegex(item, mods, options);
        }
        else if (mods.Contains(Modifier.Cidr))
        {
            tests = CompileCidr(item, mods, all);
        }
        else if (HasAny(mods, Modifiers.Modifiers.IsNumeric) || HasAny(mods, Modifiers.Modifiers.IsTimePart))
        {
            tests = CompileNumeric(item, mods);
        }
        else
        {
            tests = CompileStrings(item, mods, cased, options, out bool matchesEmpty);
            return new FieldMatcher(slot, all ? tests : ValueTest.MergeAlternatives(tests, cased), all, neq, matchesEmpty);
        }

        return new FieldMatcher(slot, tests, all, neq, nullMatchesEmpty: false);
    }

    private static KeywordMatcher CompileKeywords(FieldItem item, List<Modifier> mods, bool all, bool cased, CompileOptions options)
    {
        foreach (Modifier m in mods)
        {
            if (m is not (Modifier.All or Modifier.Cased or Modifier.Contains or Modifier.Windash or Modifier.Expand) && !Modifiers.Modifiers.IsEncoding(m))
            {
                throw Fail(item, "invalid-modifier", $"keywords (values without a field) do not take the '{m.ToString().ToLowerInvariant()}' modifier");
            }
        }

        // Keywords search the whole event: a keyword is found anywhere in a field value.
        var withContains = new List<Modifier>(mods);
        if (!withContains.Contains(Modifier.Contains))
        {
            withContains.Add(Modifier.Contains);
        }

        ValueTest[] tests = CompileStrings(item, withContains, cased, options, out _);
        return new KeywordMatcher(all ? tests : ValueTest.MergeAlternatives(tests, cased), all);
    }

    private static ValueTest[] CompileStrings(FieldItem item, List<Modifier> mods, bool cased, CompileOptions options, out bool matchesEmpty)
    {
        foreach (Modifier m in mods)
        {
            if (m is Modifier.ReIgnoreCase or Modifier.ReMultiline or Modifier.ReDotAll)
            {
                throw Fail(item, "invalid-modifier", $"'{ModName(m)}' is a flag of 're' and needs it");
            }
        }

        int positions = 0;
        foreach (Modifier m in mods)
        {
            if (Modifiers.Modifiers.IsPosition(m))
            {
                positions++;
            }
        }

        if (positions > 1)
        {
            throw Fail(item, "invalid-modifier", "contains, startswith and endswith exclude each other");
        }

        // Values start as Sigma strings (escapes resolved, wildcards as sentinels) and may become bytes.
        var values = new List<object>();
        foreach (RawValue raw in item.Values)
        {
            if (mods.Contains(Modifier.Expand))
            {
                foreach (string expanded in ExpandPlaceholders(item, raw.Text, options))
                {
                    values.Add(SigmaString.Parse(expanded));
                }
            }
            else
            {
                values.Add(raw.Kind == RawValueKind.String ? SigmaString.Parse(raw.Text) : raw.Text);
            }
        }

        foreach (Modifier m in mods)
        {
            values = Apply(item, m, values);
        }

        var tests = new ValueTest[values.Count];
        matchesEmpty = false;
        for (int i = 0; i < values.Count; i++)
        {
            string pattern = values[i] as string ?? ValueTransforms.BytesAsText((byte[])values[i]);
            matchesEmpty |= pattern.Length == 0;
            tests[i] = ValueTest.ForPattern(pattern, cased);
        }

        return tests;
    }

    private static List<object> Apply(FieldItem item, Modifier m, List<object> values)
    {
        if (m is Modifier.All or Modifier.Cased or Modifier.Neq or Modifier.Expand)
        {
            return values;
        }

        var result = new List<object>(values.Count);
        foreach (object v in values)
        {
            switch (m)
            {
                case Modifier.Windash:
                    result.AddRange(ValueTransforms.Windash(v as string ?? throw Fail(item, "invalid-modifier", "'windash' applies to text, not to encoded bytes")));
                    break;
                case Modifier.Utf16Le or Modifier.Wide:
                    result.Add(ValueTransforms.Utf16Le(Plain(item, v, m)));
                    break;
                case Modifier.Utf16Be:
                    result.Add(ValueTransforms.Utf16Be(Plain(item, v, m)));
                    break;
                case Modifier.Utf16:
                    result.Add(ValueTransforms.Utf16WithBom(Plain(item, v, m)));
                    break;
                case Modifier.Base64:
                    result.Add(ValueTransforms.Base64(Bytes(item, v, m)));
                    break;
                case Modifier.Base64Offset:
                    foreach (string s in ValueTransforms.Base64Offsets(Bytes(item, v, m)))
                    {
                        result.Add(s);
                    }

                    break;
                case Modifier.Contains or Modifier.StartsWith or Modifier.EndsWith:
                    result.Add(ValueTransforms.WrapPosition(v as string ?? ValueTransforms.BytesAsText((byte[])v), m));
                    break;
                default:
                    throw Fail(item, "invalid-modifier", $"'{ModName(m)}' cannot be combined with string values here");
            }
        }

        return result;
    }

    private static string Plain(FieldItem item, object v, Modifier m)
    {
        if (v is not string s)
        {
            throw Fail(item, "invalid-modifier", $"'{ModName(m)}' applies to text, and the value is already encoded");
        }

        if (SigmaString.HasWildcards(s))
        {
            throw Fail(item, "invalid-modifier", $"'{ModName(m)}' cannot encode wildcards in '{SigmaString.Display(s)}'; put contains/startswith/endswith after the encoding");
        }

        return s;
    }

    private static byte[] Bytes(FieldItem item, object v, Modifier m) => v as byte[] ?? Encoding.UTF8.GetBytes(Plain(item, v, m));

    private static ValueTest[] CompileRegex(FieldItem item, List<Modifier> mods, CompileOptions options)
    {
        var regexOptions = RegexOptions.CultureInvariant;
        foreach (Modifier m in mods)
        {
            switch (m)
            {
                case Modifier.Re or Modifier.All or Modifier.Neq:
                    break;
                case Modifier.ReIgnoreCase:
                    regexOptions |= RegexOptions.IgnoreCase;
                    break;
                case Modifier.ReMultiline:
                    regexOptions |= RegexOptions.Multiline;
                    break;
                case Modifier.ReDotAll:
                    regexOptions |= RegexOptions.Singleline;
                    break;
                default:
                    throw Fail(item, "invalid-modifier", $"'re' cannot be combined with '{ModName(m)}'");
            }
        }

        var tests = new ValueTest[item.Values.Count];
        for (int i = 0; i < tests.Length; i++)
        {
            // PCRE's (?P<name>…) is Python/PCRE syntax for (?<name>…); .NET only knows the latter.
            string pattern = PythonNamedGroup().Replace(item.Values[i].Text, "(?<");
            try
            {
                tests[i] = new RegexTest(new Regex(pattern, regexOptions, options.RegexTimeout));
            }
            catch (ArgumentException ex)
            {
                throw Fail(item, "bad-regex", $"invalid regular expression '{item.Values[i].Text}': {ex.Message}");
            }
        }

        return tests;
    }

    [GeneratedRegex(@"\(\?P<")]
    private static partial Regex PythonNamedGroup();

    private static ValueTest[] CompileCidr(FieldItem item, List<Modifier> mods, bool all)
    {
        foreach (Modifier m in mods)
        {
            if (m is not (Modifier.Cidr or Modifier.All or Modifier.Neq))
            {
                throw Fail(item, "invalid-modifier", $"'cidr' cannot be combined with '{ModName(m)}'");
            }
        }

        var networks = new IPNetwork[item.Values.Count];
        for (int i = 0; i < networks.Length; i++)
        {
            // IPNetwork insists on a clean base address; accept "10.1.2.3/8" as backends do.
            if (!IPNetwork.TryParse(item.Values[i].Text.Trim(), out networks[i]) && !TryParseLooseCidr(item.Values[i].Text.Trim(), out networks[i]))
            {
                throw Fail(item, "invalid-value", $"'{item.Values[i].Text}' is not a CIDR range");
            }
        }

        if (!all)
        {
            return [new CidrTest(networks)];
        }

        var tests = new ValueTest[networks.Length];
        for (int i = 0; i < tests.Length; i++)
        {
            tests[i] = new CidrTest([networks[i]]);
        }

        return tests;
    }

    private static bool TryParseLooseCidr(string text, out IPNetwork network)
    {
        network = default;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out IPAddress? ip) ||
            !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix))
        {
            return false;
        }

        int bits = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > bits)
        {
            return false;
        }

        byte[] bytes = ip.GetAddressBytes();
        for (int b = 0; b < bytes.Length; b++)
        {
            int keep = Math.Clamp(prefix - (b * 8), 0, 8);
            bytes[b] &= (byte)(0xFF << (8 - keep));
        }

        network = new IPNetwork(new IPAddress(bytes), prefix);
        return true;
    }

    private static ValueTest[] CompileNumeric(FieldItem item, List<Modifier> mods)
    {
        CompareOp op = CompareOp.Eq;
        TimePart? part = null;
        int compares = 0;
        foreach (Modifier m in mods)
        {
            switch (m)
            {
                case Modifier.Lt: op = CompareOp.Lt; compares++; break;
                case Modifier.Lte: op = CompareOp.Lte; compares++; break;
                case Modifier.Gt: op = CompareOp.Gt; compares++; break;
                case Modifier.Gte: op = CompareOp.Gte; compares++; break;
                case Modifier.Minute: part = SetPart(item, part, TimePart.Minute); break;
                case Modifier.Hour: part = SetPart(item, part, TimePart.Hour); break;
                case Modifier.Day: part = SetPart(item, part, TimePart.Day); break;
                case Modifier.Week: part = SetPart(item, part, TimePart.Week); break;
                case Modifier.Month: part = SetPart(item, part, TimePart.Month); break;
                case Modifier.Year: part = SetPart(item, part, TimePart.Year); break;
                case Modifier.All or Modifier.Neq:
                    break;
                default:
                    throw Fail(item, "invalid-modifier", $"'{ModName(m)}' cannot be combined with numeric or time modifiers");
            }
        }

        if (compares > 1)
        {
            throw Fail(item, "invalid-modifier", "only one of lt, lte, gt, gte may be used");
        }

        var tests = new ValueTest[item.Values.Count];
        for (int i = 0; i < tests.Length; i++)
        {
            RawValue v = item.Values[i];
            if (v.Kind != RawValueKind.Number || !NumericTest.TryParseNumber(v.Text, out double n))
            {
                throw Fail(item, "invalid-value", $"'{v.Text}' is not a number");
            }

            var compare = new NumericTest(op, n);
            tests[i] = part is { } p ? new TimePartTest(p, compare) : compare;
        }

        return tests;
    }

    private static TimePart SetPart(FieldItem item, TimePart? existing, TimePart part) =>
        existing is null ? part : throw Fail(item, "invalid-modifier", "only one time modifier (minute, hour, day, week, month, year) may be used");

    private static FieldRefMatcher CompileFieldRef(FieldItem item, List<Modifier> mods, int slot, FieldTable fields, bool all, bool cased, bool neq)
    {
        FieldRefOp op = FieldRefOp.Equals;
        foreach (Modifier m in mods)
        {
            switch (m)
            {
                case Modifier.FieldRef or Modifier.All or Modifier.Cased or Modifier.Neq:
                    break;
                case Modifier.Contains: op = FieldRefOp.Contains; break;
                case Modifier.StartsWith: op = FieldRefOp.StartsWith; break;
                case Modifier.EndsWith: op = FieldRefOp.EndsWith; break;
                default:
                    throw Fail(item, "invalid-modifier", $"'fieldref' cannot be combined with '{ModName(m)}'");
            }
        }

        int[] others = new int[item.Values.Count];
        for (int i = 0; i < others.Length; i++)
        {
            if (item.Values[i].Text.Length == 0)
            {
                throw Fail(item, "invalid-value", "'fieldref' needs a field name");
            }

            others[i] = fields.Slot(item.Values[i].Text);
        }

        return new FieldRefMatcher(slot, others, op, cased, neq, all);
    }

    /// <summary>Replaces <c>%name%</c> placeholders (not <c>\%</c>) with every configured value.</summary>
    private static List<string> ExpandPlaceholders(FieldItem item, string raw, CompileOptions options)
    {
        var results = new List<string> { string.Empty };
        int i = 0;
        var literal = new StringBuilder();
        while (i < raw.Length)
        {
            char c = raw[i];
            if (c == '\\' && i + 1 < raw.Length && raw[i + 1] == '%')
            {
                literal.Append('%');
                i += 2;
                continue;
            }

            if (c == '%')
            {
                int end = raw.IndexOf('%', i + 1);
                if (end < 0)
                {
                    literal.Append(raw, i, raw.Length - i);
                    break;
                }

                string name = raw[(i + 1)..end];
                if (!options.Placeholders.TryGetValue(name, out IReadOnlyList<string>? replacements) || replacements.Count == 0)
                {
                    throw Fail(item, "placeholder", $"placeholder %{name}% has no value in the configuration");
                }

                var next = new List<string>(results.Count * replacements.Count);
                foreach (string prefix in results)
                {
                    foreach (string r in replacements)
                    {
                        next.Add(prefix + literal + r);
                    }
                }

                results = next;
                literal.Clear();
                i = end + 1;
                continue;
            }

            literal.Append(c);
            i++;
        }

        for (int k = 0; k < results.Count; k++)
        {
            results[k] += literal.ToString();
        }

        return results;
    }

    private static bool HasAny(List<Modifier> mods, Func<Modifier, bool> predicate)
    {
        foreach (Modifier m in mods)
        {
            if (predicate(m))
            {
                return true;
            }
        }

        return false;
    }

    private static string ModName(Modifier m) => m switch
    {
        Modifier.ReIgnoreCase => "i",
        Modifier.ReMultiline => "m",
        Modifier.ReDotAll => "s",
        _ => m.ToString().ToLowerInvariant(),
    };

    private static RuleLoadException Fail(FieldItem item, string code, string why) =>
        new(code, $"'{item.Key}': {why}", item.Line);
}
