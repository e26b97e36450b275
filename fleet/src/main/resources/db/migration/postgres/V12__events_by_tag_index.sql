-- Projections poll the journal for one tag's events after an offset (EventsByTagDao): on PostgreSQL this index gives
-- them the tag's events in order, so a poll reads about as many rows as it returns however long the journal or the
-- projection's lag. (event_tag's primary key, (event_id, tag), serves lookups by event; H2's query is driven by the
-- journal's ordering and looks the tag up by that key, so H2 has no V12.)
create index event_tag_tag_idx on event_tag (tag, event_id);
