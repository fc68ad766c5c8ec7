-- Issue 6: the agent queue at a million tickets. A queue page is the working set (new, open,
-- pending) sorted by priority, then age, then id, 200 rows; the indexes of 0001 lead with the
-- status, so over three statuses the database had to sort the whole working set for every
-- page (0.3 s at 1,000,000 tickets on SQLite). These partial indexes hold only the working
-- set, in the page's order, per view, so a page is a walk of 200 index entries (the
-- unassigned one is tiny: only waiting tickets nobody owns). The queue query spells the
-- predicate exactly like this (both databases need that to use them).
CREATE INDEX tickets_working_queue_idx ON tickets (priority_rank DESC, created_at, id)
    WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_working_unassigned_idx ON tickets (priority_rank DESC, created_at, id)
    WHERE status IN ('new', 'open', 'pending') AND assignee_id IS NULL;
CREATE INDEX tickets_working_mine_idx ON tickets (assignee_id, priority_rank DESC, created_at, id)
    WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_working_group_idx ON tickets (group_id, priority_rank DESC, created_at, id)
    WHERE status IN ('new', 'open', 'pending');
