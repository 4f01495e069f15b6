using Microsoft.Data.Sqlite;

namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>Positional parameter binding for prepared statements reused across transactions.</summary>
internal static class PreparedCommands
{
    public static void SetParameters(this SqliteCommand cmd, params object[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            cmd.Parameters[i].Value = values[i];
        }
    }

    /// <returns>The rows changed.</returns>
    public static int Run(this SqliteCommand cmd, params object[] values)
    {
        cmd.SetParameters(values);
        return cmd.ExecuteNonQuery();
    }
}
