using Microsoft.Data.Sqlite;
using Yamori.Cloud.Storage.Sqlite;

namespace Yamori.Cloud.Tests;

/// <summary>A real SQLite file in its own temporary directory, deleted afterwards.</summary>
internal sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "yamori-cloud-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "yamori.db");
        Database = SqliteDatabase.Open(Path);
    }

    public string Directory { get; }

    public string Path { get; }

    public SqliteDatabase Database { get; }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail a test.
        }
    }
}
