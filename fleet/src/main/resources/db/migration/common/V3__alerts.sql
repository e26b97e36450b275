-- Alerts as the device entities journaled them (raised, then updated with clips or state), kept by the
-- device read-side projection in the same transaction as its offset; GET /api/alerts reads it.
create table alert (
  alert_id varchar(300) primary key,
  device_id varchar(200) not null,
  household varchar(200),
  kind varchar(20) not null,
  severity varchar(20) not null,
  state varchar(20) not null,
  revision int not null,
  event_id varchar(200),
  event_time timestamp,
  raised_at timestamp not null,
  updated_at timestamp not null,
  message varchar(500),
  url varchar(1000),
  clip_id varchar(200),
  clip_verified boolean not null
);
create index alert_raised_idx on alert (raised_at, alert_id);
create index alert_device_raised_idx on alert (device_id, raised_at, alert_id);
create index alert_household_raised_idx on alert (household, raised_at, alert_id);
create index alert_state_raised_idx on alert (state, raised_at, alert_id);
