using System.Diagnostics.CodeAnalysis;

namespace Yamori.Cloud.Tenancy;

/// <summary>
/// A 全国地方公共団体コード: five digits (two for the prefecture, three for the municipality) and a
/// check digit. Validated on creation so a typo cannot create a second tenant for the same town.
/// </summary>
public readonly record struct MunicipalityCode
{
    private MunicipalityCode(string value) => Value = value;

    /// <summary>The six digits, check digit included (e.g. <c>131016</c> for 千代田区).</summary>
    public string Value { get; }

    /// <summary>The two-digit prefecture part (<c>13</c> for 東京都).</summary>
    public string PrefectureCode => Value[..2];

    /// <summary>True for a prefecture itself (<c>XX000</c> + check digit) rather than a municipality.</summary>
    public bool IsPrefecture => Value.AsSpan(2, 3).SequenceEqual("000");

    public static MunicipalityCode Parse(string text) =>
        TryParse(text, out MunicipalityCode code, out string? error)
            ? code
            : throw new FormatException(error);

    public static bool TryParse(string? text, out MunicipalityCode code, [NotNullWhen(false)] out string? error)
    {
        code = default;
        if (text is null || text.Length != 6 || !text.All(char.IsAsciiDigit))
        {
            error = $"地方公共団体コード must be 6 digits, got '{text}'";
            return false;
        }

        if (text[..2] is "00" || int.Parse(text[..2]) > 47)
        {
            error = $"地方公共団体コード '{text}' has no prefecture 01–47";
            return false;
        }

        int expected = CheckDigit(text.AsSpan(0, 5));
        if (text[5] - '0' != expected)
        {
            error = $"地方公共団体コード '{text}' has check digit {text[5]}, expected {expected}";
            return false;
        }

        code = new MunicipalityCode(text);
        error = null;
        return true;
    }

    /// <summary>JIS X 0402's modulus-11 check digit: weights 6..2, 11 − remainder, last digit.</summary>
    internal static int CheckDigit(ReadOnlySpan<char> fiveDigits)
    {
        int sum = 0;
        for (int i = 0; i < 5; i++)
        {
            sum += (fiveDigits[i] - '0') * (6 - i);
        }

        return (11 - (sum % 11)) % 10;
    }

    public override string ToString() => Value ?? "";
}
