using System.Globalization;
using System.Text;
using Yamori.Cloud.Tenancy;
using Yamori.SocConsole.Localization;

namespace Yamori.SocConsole.Views;

/// <summary>Why a hunting form or export address was refused: a resource key and the offending text.</summary>
public sealed record HuntError(string Key, string Argument)
{
    public const string BadTime = "Hunting.Error.BadTime";
    public const string EmptyRange = "Hunting.Error.EmptyRange";
    public const string RangeTooLong = "Hunting.Error.RangeTooLong";
    public const string BadId = "Hunting.Error.BadId";
    public const string BadOperator = "Hunting.Error.BadOperator";
    public const string NoField = "Hunting.Error.NoField";

    /// <summary>Every key above, so a test can check each exists in both languages.</summary>
    public static readonly IReadOnlyList<string> Keys = [BadTime, EmptyRange, RangeTooLong, BadId, BadOperator, NoField];
}

/// <summary>One condition row as typed.</summary>
public sealed class HuntConditionInput
{
    public string Field { get; set; } = "";

    public string Operator { get; set; } = nameof(HuntOperator.Contains);

    public string Value { get; set; } = "";
}

/// <summary>
/// The hunting form as typed (times in JST as a browser's <c>datetime-local</c> gives them). The page
/// and the CSV address both go through <see cref="TryBuild"/>, so an export is exactly the query on screen.
/// </summary>
public sealed class HuntingForm
{
    /// <summary>The widest range one hunt may cover.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(400);

    private static readonly string[] LocalFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy/MM/dd HH:mm"];
    private static readonly string[] OffsetFormats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    public string From { get; set; } = "";

    public string To { get; set; } = "";

    public string Town { get; set; } = "";

    public string Device { get; set; } = "";

    public string EventType { get; set; } = "";

    public List<HuntConditionInput> Conditions { get; } = [.. Enumerable.Range(0, HuntQuery.MaxConditions).Select(_ => new HuntConditionInput())];

    /// <summary>The default: the last 24 hours up to now, in JST minutes.</summary>
    public static HuntingForm LastDay(DateTimeOffset now)
    {
        var form = new HuntingForm { From = Local(now.AddDays(-1)), To = Local(now.AddMinutes(1)) };
        return form;
    }

    /// <summary>A JST time as <c>datetime-local</c> writes it.</summary>
    public static string Local(DateTimeOffset time) => time.ToOffset(Jst.Offset).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Reads the form from an address's query (<c>from, to, town, device, type, f1/op1/v1 … f5/op5/v5</c>).</summary>
    public static HuntingForm FromQuery(Func<string, string?> get)
    {
        var form = new HuntingForm
        {
            From = get("from") ?? "",
            To = get("to") ?? "",
            Town = get("town") ?? "",
            Device = get("device") ?? "",
            EventType = get("type") ?? "",
        };
        for (int i = 0; i < form.Conditions.Count; i++)
        {
            string n = (i + 1).ToString(CultureInfo.InvariantCulture);
            form.Conditions[i].Field = get("f" + n) ?? "";
            form.Conditions[i].Operator = get("op" + n) ?? nameof(HuntOperator.Contains);
            form.Conditions[i].Value = get("v" + n) ?? "";
        }

        return form;
    }

    /// <summary>The query part of an address that <see cref="FromQuery"/> reads back to this form.</summary>
    public string ToQueryString()
    {
        var sb = new StringBuilder();
        Add("from", From);
        Add("to", To);
        Add("town", Town);
        Add("device", Device);
        Add("type", EventType);
        for (int i = 0; i < Conditions.Count; i++)
        {
            HuntConditionInput c = Conditions[i];
            if (c.Field.Trim().Length == 0)
            {
                continue;
            }

            string n = (i + 1).ToString(CultureInfo.InvariantCulture);
            Add("f" + n, c.Field);
            Add("op" + n, c.Operator);
            Add("v" + n, c.Value);
        }

        return sb.ToString();

        void Add(string key, string value)
        {
            if (value.Length == 0)
            {
                return;
            }

            sb.Append(sb.Length == 0 ? "" : "&").Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }
    }

    /// <summary>The query, or the first problem with the input. Rows without a field name are skipped; a value without one is an error.</summary>
    public bool TryBuild(out HuntQuery query, out HuntError? error)
    {
        query = null!;
        error = null;
        if (!TryTime(From, out DateTimeOffset from))
        {
            error = new HuntError(HuntError.BadTime, From);
            return false;
        }

        if (!TryTime(To, out DateTimeOffset to))
        {
            error = new HuntError(HuntError.BadTime, To);
            return false;
        }

        if (to <= from)
        {
            error = new HuntError(HuntError.EmptyRange, "");
            return false;
        }

        if (to - from > MaxRange)
        {
            error = new HuntError(HuntError.RangeTooLong, ((int)MaxRange.TotalDays).ToString(CultureInfo.InvariantCulture));
            return false;
        }

        TenantId? town = null;
        DeviceId? device = null;
        if (Town.Trim().Length > 0)
        {
            if (!Guid.TryParse(Town.Trim(), out Guid t))
            {
                error = new HuntError(HuntError.BadId, Town);
                return false;
            }

            town = new TenantId(t);
        }

        if (Device.Trim().Length > 0)
        {
            if (!Guid.TryParse(Device.Trim(), out Guid d))
            {
                error = new HuntError(HuntError.BadId, Device);
                return false;
            }

            device = new DeviceId(d);
        }

        var conditions = new List<HuntCondition>();
        foreach (HuntConditionInput c in Conditions.Take(HuntQuery.MaxConditions))
        {
            string field = c.Field.Trim();
            if (field.Length == 0)
            {
                if (c.Value.Length > 0)
                {
                    error = new HuntError(HuntError.NoField, c.Value);
                    return false;
                }

                continue;
            }

            if (!Enum.TryParse(c.Operator, ignoreCase: true, out HuntOperator op) || !Enum.IsDefined(op) || int.TryParse(c.Operator, out _))
            {
                error = new HuntError(HuntError.BadOperator, c.Operator);
                return false;
            }

            conditions.Add(new HuntCondition(field, op, c.Value));
        }

        query = new HuntQuery(from, to, town, device, EventType.Trim().Length == 0 ? null : EventType.Trim(), conditions);
        return true;
    }

    /// <summary>A JST wall-clock time, or an ISO time with its own offset.</summary>
    public static bool TryTime(string text, out DateTimeOffset time)
    {
        text = text.Trim();
        // Years are bounded so that shifting to UTC can never leave DateTimeOffset's range.
        if (DateTime.TryParseExact(text, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime local) && local.Year is >= 1970 and <= 9000)
        {
            time = new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), Jst.Offset);
            return true;
        }

        return DateTimeOffset.TryParseExact(text, OffsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out time) && time.Year is >= 1970 and <= 9000;
    }
}
