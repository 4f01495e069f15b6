namespace Yamori.Cloud.Storage.Sqlite;

/// <summary>People: users, sessions, sign-in tickets, API tokens.</summary>
internal static partial class SqliteSchema
{
    // Secrets are never stored: passwords as Argon2id strings, session/ticket/API tokens as SHA-256
    // of their random bits, TOTP secrets encrypted (SecretProtector). SOC roles (1, 2) have no
    // tenant, town roles (3, 4) must have one: the CHECK keeps a bug from creating a town user
    // who sees every tenant.
    private const string V3Identity = """
        CREATE TABLE users (
            id BLOB PRIMARY KEY,
            login TEXT NOT NULL,
            login_key TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            role INTEGER NOT NULL,
            tenant_id BLOB REFERENCES tenants(id),
            password_hash TEXT NOT NULL,
            totp_secret BLOB,
            totp_confirmed INTEGER NOT NULL,
            totp_last_step INTEGER,
            failed_count INTEGER NOT NULL,
            locked_until_ticks INTEGER,
            disabled INTEGER NOT NULL,
            must_change_password INTEGER NOT NULL,
            created_ticks INTEGER NOT NULL,
            updated_ticks INTEGER NOT NULL,
            CHECK ((role IN (1, 2) AND tenant_id IS NULL) OR (role IN (3, 4) AND tenant_id IS NOT NULL))
        );
        CREATE INDEX ix_users_tenant ON users(tenant_id, login_key);

        CREATE TABLE sessions (
            token_sha256 BLOB PRIMARY KEY,
            user_id BLOB NOT NULL REFERENCES users(id),
            created_ticks INTEGER NOT NULL,
            last_seen_ticks INTEGER NOT NULL,
            expires_ticks INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX ix_sessions_user ON sessions(user_id);

        -- Between password and second factor. purpose 1 = verify TOTP, 2 = set up TOTP (pending_secret
        -- holds the new secret, encrypted, until a code confirms it).
        CREATE TABLE signin_tickets (
            ticket_sha256 BLOB PRIMARY KEY,
            user_id BLOB NOT NULL REFERENCES users(id),
            purpose INTEGER NOT NULL,
            pending_secret BLOB,
            expires_ticks INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX ix_signin_tickets_user ON signin_tickets(user_id);

        CREATE TABLE api_tokens (
            id BLOB PRIMARY KEY,
            token_sha256 BLOB NOT NULL UNIQUE,
            name TEXT NOT NULL,
            role INTEGER NOT NULL,
            tenant_id BLOB REFERENCES tenants(id),
            created_by TEXT NOT NULL,
            created_ticks INTEGER NOT NULL,
            expires_ticks INTEGER,
            last_used_ticks INTEGER,
            revoked_ticks INTEGER,
            CHECK ((role IN (1, 2) AND tenant_id IS NULL) OR (role IN (3, 4) AND tenant_id IS NOT NULL))
        );
        CREATE INDEX ix_api_tokens_tenant ON api_tokens(tenant_id);
        """;
}
