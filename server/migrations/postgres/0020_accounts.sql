-- Issue 6: user accounts. An agent's account status (invited: no password yet; deactivated:
-- no sign-in), one-time invite and reset tokens (only their SHA-256 is stored), and the audit
-- log of administrative changes (details: JSON `{"before": …, "after": …}`, never a secret).
-- PostgreSQL dialect.
ALTER TABLE agents ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'invited', 'deactivated'));

CREATE TABLE account_tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('invite', 'reset')),
    agent_id   BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX account_tokens_agent_idx ON account_tokens (agent_id, kind, created_at);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT REFERENCES agents (id) ON DELETE SET NULL,
    action      TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    details     TEXT NOT NULL
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
