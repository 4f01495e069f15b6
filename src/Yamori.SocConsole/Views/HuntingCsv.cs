using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Yamori.Cloud.Identity;
using Yamori.SocConsole.Localization;

namespace Yamori.SocConsole.Views;

/// <summary>
/// Hunting results as CSV (RFC 4180: every field quoted, quotes doubled, CRLF between records), in
/// UTF-8 with a byte-order mark so that Excel in Japan opens it as UTF-8 rather than Shift_JIS.
/// </summary>
public static class HuntingCsv
{
    private static readonly string[] FixedColumns = ["time_jst", "time_utc", "town", "hostname", "device_id", "product", "category", "service", "event_id"];

    /// <summary>The whole file, byte-order mark first.</summary>
    public static byte[] Write(HuntResult result, bool withRuleColumn)
    {
        var sb = new StringBuilder();
        var header = new List<string>(FixedColumns);
        header.AddRange(result.Columns);
        if (withRuleColumn)
        {
            header.Add("rule");
        }

        Record(sb, header);
        foreach (HuntRow row in result.Rows)
        {
            var cells = new List<string>(header.Count)
            {
                row.Event.Time.ToOffset(Jst.Offset).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
                Jst.Iso(row.Event.Time),
                row.Town,
                row.Hostname,
                row.Stored.Device.ToString(),
                row.Event.Source.Product,
                row.Event.Source.Category,
                row.Event.Source.Service,
                row.Stored.Id.ToString(CultureInfo.InvariantCulture),
            };
            cells.AddRange(result.Columns.Select(c => HuntingFields.Text(row.Event, c) ?? ""));
            if (withRuleColumn)
            {
                cells.Add(row.Note ?? "");
            }

            Record(sb, cells);
        }

        byte[] bom = Encoding.UTF8.GetPreamble();
        byte[] body = Encoding.UTF8.GetBytes(sb.ToString());
        return [.. bom, .. body];
    }

    /// <summary>One field, quoted. A value a spreadsheet would run as a formula gets a leading apostrophe.</summary>
    public static string Quote(string value)
    {
        // Telemetry is attacker-controlled: a command line such as "=cmd|' /C calc'!A0" must reach
        // the analyst's spreadsheet as text, not as a formula (CSV injection).
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static void Record(StringBuilder sb, IReadOnlyList<string> cells)
    {
        for (int i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(Quote(cells[i]));
        }

        sb.Append("\r\n");
    }

    /// <summary>
    /// <c>GET /hunting/export.csv?…</c>: the hunting page's query (same parameters, same parsing, same
    /// view) for the signed-in actor. A bad parameter gets 400 with the reason in the user's language.
    /// </summary>
    public static async Task<IResult> ExportAsync(HttpContext http, HuntingView view, TimeProvider time, CancellationToken ct)
    {
        if (http.User.Identity is not ActorIdentity { Caller: { MustChangePassword: false } actor })
        {
            return Results.Unauthorized();
        }

        HuntingForm form = HuntingForm.FromQuery(key => http.Request.Query[key].FirstOrDefault());
        if (!form.TryBuild(out HuntQuery query, out HuntError? error))
        {
            UiText text = UiText.For(http.Request.Cookies[UiText.LanguageCookie]);
            return Results.Text(text.Format(error!.Key, error.Argument), "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
        }

        HuntResult result = await view.RunAsync(actor, query, HuntingView.ExportCap, ct);
        string name = $"yamori-hunting-{time.GetUtcNow().ToOffset(Jst.Offset).ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.csv";
        return Results.File(Write(result, withRuleColumn: false), "text/csv; charset=utf-8", name);
    }
}
