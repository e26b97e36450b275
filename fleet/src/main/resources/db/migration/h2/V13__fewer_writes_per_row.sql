-- H2 commits its system session each time an identity column has handed out its cache of values (32 by
-- default): a whole MVStore chunk written for the journal's ordering and the event log's id every 32 rows
-- (12 % of the JVM's CPU samples at 1,000 motion events a second). Values are handed out 1,000 at a time
-- instead. A crash skips at most the rest of a cache: a gap in the numbers, as a rolled-back insert leaves
-- one; the read journal and the event log already treat the numbers as ordered, not dense.
ALTER TABLE "event_journal" ALTER COLUMN "ordering" SET CACHE 1000;
ALTER TABLE device_event ALTER COLUMN id SET CACHE 1000;

-- The journal's ordering had two unique indexes on H2 (its UNIQUE constraint's and this one, both from
-- pekko-persistence-jdbc's H2 schema): each written and committed for every row. The constraint's stays.
DROP INDEX IF EXISTS "event_journal_ordering_idx";
