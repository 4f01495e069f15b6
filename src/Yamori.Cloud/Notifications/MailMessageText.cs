using System.Globalization;
using System.Text;

namespace Yamori.Cloud.Notifications;

/// <summary>
/// Writes an RFC 5322 message whose headers are 7-bit ASCII and whose text is UTF-8: names and
/// subject as RFC 2047 encoded words, the body base64. That survives any relay (no SMTPUTF8 or
/// 8BITMIME needed) and Japanese mail clients decode it.
/// </summary>
internal static class MailMessageText
{
    // 39 bytes of UTF-8 make 52 base64 characters, a 64-character encoded word: with
    // "Subject: " in front the line stays under the 78 that RFC 5322 asks for, and no word ever
    // splits a character (RFC 2047 forbids that).
    private const int MaxWordBytes = 39;

    public static string Build(string fromName, string from, string to, string subject, string body, DateTimeOffset date, Guid id)
    {
        var text = new StringBuilder();
        text.Append("From: ").Append(EncodeWords(fromName)).Append("\r\n <").Append(from).Append(">\r\n");
        text.Append("To: <").Append(to).Append(">\r\n");
        text.Append("Subject: ").Append(EncodeWords(subject)).Append("\r\n");
        text.Append("Date: ").Append(date.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture)).Append("\r\n");
        text.Append("Message-ID: <").Append(id.ToString("N")).Append('@').Append(from.AsSpan(from.IndexOf('@') + 1)).Append(">\r\n");
        text.Append("MIME-Version: 1.0\r\n");
        text.Append("Content-Type: text/plain; charset=utf-8\r\n");
        text.Append("Content-Transfer-Encoding: base64\r\n\r\n");
        string encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(body.ReplaceLineEndings("\r\n")));
        for (int i = 0; i < encoded.Length; i += 76)
        {
            text.Append(encoded.AsSpan(i, Math.Min(76, encoded.Length - i))).Append("\r\n");
        }

        return text.ToString();
    }

    /// <summary>One or more encoded words, folded onto continuation lines.</summary>
    public static string EncodeWords(string value)
    {
        var words = new List<string>();
        var chunk = new StringBuilder();
        int chunkBytes = 0;
        foreach (Rune rune in value.EnumerateRunes())
        {
            int bytes = rune.Utf8SequenceLength;
            if (chunkBytes + bytes > MaxWordBytes)
            {
                words.Add(Word(chunk.ToString()));
                chunk.Clear();
                chunkBytes = 0;
            }

            chunk.Append(rune.ToString());
            chunkBytes += bytes;
        }

        if (chunk.Length > 0 || words.Count == 0)
        {
            words.Add(Word(chunk.ToString()));
        }

        return string.Join("\r\n ", words);
    }

    private static string Word(string text) => "=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) + "?=";
}
