-- Issue 6, point 1b: a restricted group's tickets are visible only to its members and to
-- managers and admins. Listings filter them with `group_id NOT IN (…)` on top of the
-- partial working-set indexes of 0017 (no new index: the filter is a residual predicate).
ALTER TABLE groups ADD COLUMN restricted BOOLEAN NOT NULL DEFAULT FALSE;
