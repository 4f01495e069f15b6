using System.Text;
using System.Xml;

namespace Yamori.Agent.Windows;

/// <summary>
/// Keeps each channel's bookmark (the XML that <c>EvtRender(EvtRenderBookmark)</c> gives:
/// <c>&lt;BookmarkList&gt;&lt;Bookmark Channel=… RecordId=… IsCurrent='true'/&gt;&lt;/BookmarkList&gt;</c>)
/// in its own file, replaced atomically (write, flush to disk, rename) so a crash leaves either
/// the old or the new bookmark, never a torn one.
/// </summary>
public sealed class EventLogBookmarkStore
{
    private const string Extension = ".bookmark.xml";

    public EventLogBookmarkStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = directory;
    }

    public string Directory { get; }

    /// <summary>The file of <paramref name="channel"/>'s bookmark: the channel name escaped (reversibly) into a file name.</summary>
    public string PathOf(string channel) => Path.Combine(Directory, Uri.EscapeDataString(channel) + Extension);

    /// <summary>
    /// The saved bookmark, or null when there is none. A file that is not a bookmark (damaged disk,
    /// edited by hand) is moved aside to <c>.corrupt</c> and reported through <paramref name="problem"/>:
    /// the channel then starts afresh rather than failing.
    /// </summary>
    public string? Load(string channel, out string? problem)
    {
        problem = null;
        string path = PathOf(channel);
        if (!File.Exists(path))
        {
            return null;
        }

        string xml = File.ReadAllText(path, Encoding.UTF8);
        problem = Check(xml);
        if (problem is null)
        {
            return xml;
        }

        File.Move(path, path + ".corrupt", overwrite: true);
        problem = $"bookmark {path} is unusable ({problem}); moved to {path}.corrupt";
        return null;
    }

    /// <summary>Replaces <paramref name="channel"/>'s bookmark; the file is on disk when this returns.</summary>
    public void Save(string channel, string bookmarkXml)
    {
        if (Check(bookmarkXml) is { } problem)
        {
            throw new ArgumentException($"not a bookmark: {problem}", nameof(bookmarkXml));
        }

        System.IO.Directory.CreateDirectory(Directory);
        string path = PathOf(channel);
        string temp = path + ".tmp";
        byte[] bytes = Encoding.UTF8.GetBytes(bookmarkXml);
        using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            f.Write(bytes);
            f.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Null when <paramref name="xml"/> is a well-formed BookmarkList, else what is wrong with it.</summary>
    private static string? Check(string xml)
    {
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "BookmarkList")
            {
                return "the root element is not <BookmarkList>";
            }

            while (reader.Read())
            {
            }

            return null;
        }
        catch (XmlException ex)
        {
            return "not well-formed XML: " + ex.Message;
        }
    }
}
