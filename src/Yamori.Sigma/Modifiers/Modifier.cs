namespace Yamori.Sigma.Modifiers;

/// <summary>Every value modifier of Sigma v2.1 (sigma-appendix-modifiers.md), plus the <c>re</c> flags.</summary>
internal enum Modifier
{
    Contains,
    StartsWith,
    EndsWith,
    All,
    Exists,
    Cased,
    Neq,
    Windash,
    Re,
    ReIgnoreCase,
    ReMultiline,
    ReDotAll,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Wide,
    Lt,
    Lte,
    Gt,
    Gte,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Cidr,
    Expand,
    FieldRef,
}

internal static class Modifiers
{
    public static bool TryParse(string name, out Modifier m)
    {
        switch (name)
        {
            case "contains": m = Modifier.Contains; return true;
            case "startswith": m = Modifier.StartsWith; return true;
            case "endswith": m = Modifier.EndsWith; return true;
            case "all": m = Modifier.All; return true;
            case "exists": m = Modifier.Exists; return true;
            case "cased": m = Modifier.Cased; return true;
            case "neq": m = Modifier.Neq; return true;
            case "windash": m = Modifier.Windash; return true;
            case "re": m = Modifier.Re; return true;
            case "i": m = Modifier.ReIgnoreCase; return true;
            case "m": m = Modifier.ReMultiline; return true;
            case "s": m = Modifier.ReDotAll; return true;
            case "base64": m = Modifier.Base64; return true;
            case "base64offset": m = Modifier.Base64Offset; return true;
            case "utf16le": m = Modifier.Utf16Le; return true;
            case "utf16be": m = Modifier.Utf16Be; return true;
            case "utf16": m = Modifier.Utf16; return true;
            case "wide": m = Modifier.Wide; return true;
            case "lt": m = Modifier.Lt; return true;
            case "lte": m = Modifier.Lte; return true;
            case "gt": m = Modifier.Gt; return true;
            case "gte": m = Modifier.Gte; return true;
            case "minute": m = Modifier.Minute; return true;
            case "hour": m = Modifier.Hour; return true;
            case "day": m = Modifier.Day; return true;
            case "week": m = Modifier.Week; return true;
            case "month": m = Modifier.Month; return true;
            case "year": m = Modifier.Year; return true;
            case "cidr": m = Modifier.Cidr; return true;
            case "expand": m = Modifier.Expand; return true;
            case "fieldref": m = Modifier.FieldRef; return true;
            default: m = default; return false;
        }
    }

    public static bool IsEncoding(Modifier m) => m is Modifier.Base64 or Modifier.Base64Offset or Modifier.Utf16Le or Modifier.Utf16Be or Modifier.Utf16 or Modifier.Wide;

    public static bool IsNumeric(Modifier m) => m is Modifier.Lt or Modifier.Lte or Modifier.Gt or Modifier.Gte;

    public static bool IsTimePart(Modifier m) => m is Modifier.Minute or Modifier.Hour or Modifier.Day or Modifier.Week or Modifier.Month or Modifier.Year;

    public static bool IsPosition(Modifier m) => m is Modifier.Contains or Modifier.StartsWith or Modifier.EndsWith;
}
