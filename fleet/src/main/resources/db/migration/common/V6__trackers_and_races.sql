-- Trackers' accepted fixes (the device read-side projection writes them with its offset), and races:
-- a start, a finish point or a route, and participants; leaderboards are computed from the fixes.
create table location (
  device_id varchar(200) not null,
  tst timestamp not null,
  lat double precision not null,
  lon double precision not null,
  alt double precision,
  vel double precision,
  acc double precision,
  batt int,
  received_at timestamp not null,
  primary key (device_id, tst)
);

create table race (
  race_id varchar(100) primary key,
  name varchar(200) not null,
  starts_at timestamp not null,
  finish_lat double precision,
  finish_lon double precision,
  route varchar(1000000),
  finish_radius_m double precision not null,
  participants varchar(100000) not null,
  created_at timestamp not null
);
create index race_starts_idx on race (starts_at);
