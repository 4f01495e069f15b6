using Yamori.Sigma.Events;

namespace Yamori.Cli.Scan;

/// <summary>The fields of an event an analyst wants on a timeline row, in the order they read them.</summary>
internal static class KeyFields
{
    private const int MaxFields = 6;
    private const int MaxLength = 300;

    private static readonly string[] Candidates =
    [
        "Image", "NewProcessName", "CommandLine", "ParentImage", "ParentProcessName", "User",
        "TargetFilename", "TargetObject", "Details", "ImageLoaded",
        "SourceImage", "TargetImage", "GrantedAccess",
        "DestinationIp", "DestinationPort", "DestinationHostname", "QueryName",
        "TargetUserName", "SubjectUserName", "IpAddress", "LogonType", "WorkstationName",
        "ServiceName", "ImagePath", "TaskName", "ScriptBlockText", "Payload",
    ];

    public static List<KeyValuePair<string, string>> From(ISigmaEvent e)
    {
        var result = new List<KeyValuePair<string, string>>(MaxFields);
        foreach (string name in Candidates)
        {
            if (e.TryGetField(name, out FieldValue v) && v.Kind != FieldKind.Null)
            {
                string text = v.ToString();
                if (text.Length > MaxLength)
                {
                    text = string.Concat(text.AsSpan(0, MaxLength), "…");
                }

                result.Add(new(name, text));
                if (result.Count == MaxFields)
                {
                    break;
                }
            }
        }

        return result;
    }

    public static string Text(ISigmaEvent e, string name) =>
        e.TryGetField(name, out FieldValue v) && v.Kind != FieldKind.Null ? v.ToString() : string.Empty;
}
