-- Projections poll the journal for one tag's events after an offset (EventsByTagDao): this index gives them the
-- tag's events in order, so a poll reads as many rows as it returns however long the journal or the projection's lag.
-- (event_tag's primary key, (event_id, tag), serves only lookups by event.)
create index event_tag_tag_idx on event_tag (tag, event_id);
