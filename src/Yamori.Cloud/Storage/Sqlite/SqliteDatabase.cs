using Microsoft.Data.Sqlite;

namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>
/// The embedded database file: opens connections with the pragmas every connection needs and
/// creates or upgrades the schema. Stores share one file so that <c>yamori up</c> keeps one
/// database to back up. See docs/adr/0002-lossless-ingest.md for why the pragmas are what they are.
/// </summary>
public sealed class SqliteDatabase
{
    /// <summary>Schema version written to <c>PRAGMA user_version</c>.</summary>
    internal static int SchemaVersion => SqliteSchema.Latest;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private SqliteDatabase(string path, string connectionString)
    {
        Path = path;
        _connectionString = connectionString;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens (creating when absent) the database at <paramref name="path"/> and brings its schema
    /// up to date. A file that is not a Yamori database, or a damaged one, is refused and never
    /// overwritten.
    /// </summary>
    /// <exception cref="StoreCorruptedException">The file is damaged, not SQLite, or from a newer Yamori.</exception>
    public static SqliteDatabase Open(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        string cs = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        var db = new SqliteDatabase(full, cs);
        try
        {
            using SqliteConnection connection = db.OpenConnection();
            SqliteSchema.Apply(connection, full);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 11 or 26)
        {
            // SQLITE_CORRUPT, SQLITE_NOTADB
            throw new StoreCorruptedException($"{full} is damaged or not a Yamori database ({ex.Message}); it was left untouched", ex);
        }

        return db;
    }

    /// <summary>
    /// Serializes this process's write transactions on the file. SQLite admits one writer at a time
    /// and makes the others wait by sleeping and retrying (milliseconds to 150 ms per attempt), so two
    /// busy writers — ingest commits and detection's alert writes — would mostly sleep; queueing them
    /// here instead hands the lock over at once. Take it before <c>BeginTransaction</c>.
    /// </summary>
    public WriteGate EnterWrite()
    {
        _writeGate.Wait();
        return new WriteGate(_writeGate);
    }

    /// <summary>
    /// A new connection with the per-connection pragmas set. WAL is a property of the file (set at
    /// creation); <c>synchronous</c>, <c>busy_timeout</c> and <c>foreign_keys</c> are per connection.
    /// </summary>
    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using SqliteCommand pragmas = connection.CreateCommand();
        pragmas.CommandText = """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA busy_timeout = 30000;
            PRAGMA foreign_keys = ON;
            PRAGMA temp_store = MEMORY;
            """;
        pragmas.ExecuteNonQuery();
        return connection;
    }
}

/// <summary>Held for one write transaction; disposing it lets the next writer in.</summary>
public readonly struct WriteGate(SemaphoreSlim gate) : IDisposable
{
    public void Dispose() => gate.Release();
}

/// <summary>The database cannot be used as it is; start-up must stop rather than repair or replace it.</summary>
public sealed class StoreCorruptedException : Exception
{
    public StoreCorruptedException()
    {
    }

    public StoreCorruptedException(string message)
        : base(message)
    {
    }

    public StoreCorruptedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
