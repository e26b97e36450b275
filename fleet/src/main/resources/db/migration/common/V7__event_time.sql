-- The device event log is filed by when an event happened on the device (occurred_at: the seed's time, a
-- motion event's or reading's ts, an OwnTracks tst) and keeps when Fleet received it (received_at); where a
-- device gave no time both are the receipt time. Rows from before only knew the receipt time.
alter table device_event add column received_at timestamp;
update device_event set received_at = occurred_at;
alter table device_event alter column received_at set not null;
alter table device_event alter column received_at set default current_timestamp;
create index device_event_received_idx on device_event (received_at, id);
create index device_event_device_received_idx on device_event (device_id, received_at, id);
