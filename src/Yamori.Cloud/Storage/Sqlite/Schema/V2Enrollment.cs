namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>Enrollment tokens and device revocations.</summary>
internal static partial class SqliteSchema
{
    private const string V2Enrollment = """
        CREATE TABLE enrollment_tokens (
            id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL REFERENCES tenants(id),
            segment_id BLOB NOT NULL REFERENCES segments(id),
            secret_sha256 BLOB NOT NULL UNIQUE,
            created_ticks INTEGER NOT NULL,
            expires_ticks INTEGER NOT NULL,
            max_uses INTEGER NOT NULL,
            uses_left INTEGER NOT NULL CHECK (uses_left >= 0),
            created_by TEXT NOT NULL
        );
        CREATE INDEX ix_enrollment_tokens_tenant ON enrollment_tokens(tenant_id);

        CREATE TABLE device_revocations (
            device_id BLOB PRIMARY KEY,
            tenant_id BLOB NOT NULL,
            revoked_ticks INTEGER NOT NULL,
            reason TEXT NOT NULL
        ) WITHOUT ROWID;
        """;
}
