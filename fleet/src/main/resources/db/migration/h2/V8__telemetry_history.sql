-- Telemetry history: every accepted reading (one row per device, metric and device time), written in
-- batches by the telemetry archive, idempotent on redelivery (the key). (PostgreSQL partitions it by month.)
create table telemetry_reading (
  device_id varchar(200) not null,
  metric varchar(64) not null,
  ts timestamp not null,
  reading double precision not null,
  primary key (device_id, metric, ts)
);

-- Rollups per device, metric and minute / hour: kept up to date as readings are stored, rebuilt from the
-- readings on demand. The mean is sum_value / count_value.
create table telemetry_rollup_1m (
  device_id varchar(200) not null,
  metric varchar(64) not null,
  bucket timestamp not null,
  min_value double precision not null,
  max_value double precision not null,
  sum_value double precision not null,
  count_value bigint not null,
  primary key (device_id, metric, bucket)
);
create table telemetry_rollup_1h (
  device_id varchar(200) not null,
  metric varchar(64) not null,
  bucket timestamp not null,
  min_value double precision not null,
  max_value double precision not null,
  sum_value double precision not null,
  count_value bigint not null,
  primary key (device_id, metric, bucket)
);

-- The metric names each device's stored readings use: what a series lists, and the bound on how many names
-- one device may bring (fleet.device.max-metrics), kept by the archive in the same transaction.
create table telemetry_metric (
  device_id varchar(200) not null,
  metric varchar(64) not null,
  primary key (device_id, metric)
);
