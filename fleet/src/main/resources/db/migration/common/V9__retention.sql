-- Retention: each kind of history expires by its own time and by the household recorded on the row (history
-- recorded while a device belonged to a household stays that household's). Fixes now record their household
-- as events, alerts and clips do; rows from before take their device's household of today.
alter table location add column household varchar(200);
update location set household = (select s.household from device_summary s where s.device_id = location.device_id);
-- The sweeper's questions: the oldest rows of a household, and the oldest of all.
create index location_tst_idx on location (tst);
create index location_household_tst_idx on location (household, tst);
create index clip_stored_idx on clip (stored_at);
create index clip_household_stored_idx on clip (household, stored_at);
create index alert_updated_idx on alert (updated_at);
create index alert_household_updated_idx on alert (household, updated_at);
-- Telemetry history (V8) expires by reading time and bucket, across devices.
create index telemetry_reading_ts_idx on telemetry_reading (ts);
create index telemetry_rollup_1m_bucket_idx on telemetry_rollup_1m (bucket);
create index telemetry_rollup_1h_bucket_idx on telemetry_rollup_1h (bucket);
