-- Custom fields of a ticket (issue 4: rules test them), given at intake through the API as
-- a JSON object of short keys and values; '{}' when none.
ALTER TABLE tickets ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
