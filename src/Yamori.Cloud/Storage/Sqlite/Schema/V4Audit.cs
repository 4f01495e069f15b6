namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>The hash-chained audit log.</summary>
internal static partial class SqliteSchema
{
    // sequence is the rowid and is always given explicitly (max + 1 inside the append transaction),
    // so a hole can only come from a deletion. No foreign key on tenant_id: the log must outlive
    // whatever it records. The triggers make the table append-only for every connection; removing
    // them needs schema access, and a change made then still breaks the chain.
    private const string V4Audit = """
        CREATE TABLE audit_log (
            sequence INTEGER PRIMARY KEY,
            at_ticks INTEGER NOT NULL,
            actor_id TEXT NOT NULL,
            actor_name TEXT NOT NULL,
            actor_kind INTEGER NOT NULL,
            actor_role INTEGER,
            tenant_id BLOB,
            action TEXT NOT NULL,
            target_type TEXT,
            target_id TEXT,
            outcome INTEGER NOT NULL,
            remote_address TEXT,
            before_json TEXT,
            after_json TEXT,
            detail TEXT,
            prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL
        );
        CREATE INDEX ix_audit_tenant ON audit_log(tenant_id, sequence);
        CREATE INDEX ix_audit_actor ON audit_log(actor_id, sequence);
        CREATE INDEX ix_audit_time ON audit_log(at_ticks);

        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN
            SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
        END;

        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN
            SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
        END;
        """;
}
