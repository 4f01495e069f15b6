using System.Globalization;

namespace Yamori.Sigma.Matching;

internal enum CompareOp
{
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
}

internal sealed class NumericTest(CompareOp op, double operand) : ValueTest
{
    public override bool Test(string value) => TryParseNumber(value, out double v) && Compare(v);

    public bool Compare(double v) => op switch
    {
        CompareOp.Lt => v < operand,
        CompareOp.Lte => v <= operand,
        CompareOp.Gt => v > operand,
        CompareOp.Gte => v >= operand,
        _ => v == operand,
    };

    /// <summary>Parses decimal and <c>0x</c> hexadecimal numbers, the two forms event logs use.</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> s, out double value)
    {
        s = s.Trim();
        if (s.Length > 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
        {
            bool ok = ulong.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong h);
            value = h;
            return ok;
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public override string ToString() => $"{op} {operand}";
}

internal enum TimePart
{
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// <summary>The time modifiers: extract a component of a timestamp and compare it as a number.</summary>
internal sealed class TimePartTest(TimePart part, NumericTest compare) : ValueTest
{
    public override bool Test(string value)
    {
        // The spec: time modifiers are "not designed to handle timezone or format conversions", so
        // the part is read as written in the event (no conversion to UTC).
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t))
        {
            return false;
        }

        int n = part switch
        {
            TimePart.Minute => t.Minute,
            TimePart.Hour => t.Hour,
            TimePart.Day => t.Day,
            TimePart.Week => ISOWeek.GetWeekOfYear(t.DateTime),
            TimePart.Month => t.Month,
            _ => t.Year,
        };
        return compare.Compare(n);
    }
}
