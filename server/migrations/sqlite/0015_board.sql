-- Issue 6: the manager dashboard. Its figures are aggregates over the working set (tickets
-- new, open or pending), so these indexes hold only those tickets (partial indexes; the
-- queries repeat the literal predicate, as SQLite and PostgreSQL need to use them) and stay
-- small however many resolved and closed tickets pile up. SQLite dialect.

-- Counts and the oldest last change per (status, group, assignee): one covering range.
CREATE INDEX tickets_board_idx ON tickets (status, group_id, assignee_id, updated_at)
    WHERE status IN ('new', 'open', 'pending');

-- The oldest unassigned tickets (assignee_id IS NULL), walked in creation order and stopped
-- at the limit. Led by the assignee: without statistics (the store never runs ANALYZE)
-- SQLite's planner prefers tickets_assignee_idx plus a sort over a partial index on
-- (created_at, id) WHERE assignee_id IS NULL, but takes this one.
CREATE INDEX tickets_working_assignee_idx ON tickets (assignee_id, created_at, id)
    WHERE status IN ('new', 'open', 'pending');

-- Breached SLA records (few), walked by ticket id; deadlines to come use ticket_sla_due_idx.
CREATE INDEX ticket_sla_breached_idx ON ticket_sla (ticket_id) WHERE breached;
