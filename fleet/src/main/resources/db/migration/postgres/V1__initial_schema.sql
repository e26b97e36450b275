-- Fleet's schema on PostgreSQL. No schema qualification anywhere: the tables go into the connection's
-- current schema (the URL's currentSchema, else the search_path's first).

-- pekko-persistence-jdbc 1.1.1: copied from schema/postgres/postgres-create-schema.sql in its jar,
-- without the public. qualification, and without CONCURRENTLY on the indexes (Flyway runs a migration
-- in a transaction, where CREATE INDEX CONCURRENTLY is not allowed; the tables are empty anyway).
CREATE TABLE IF NOT EXISTS event_journal(
  ordering BIGSERIAL,
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  deleted BOOLEAN DEFAULT FALSE NOT NULL,

  writer VARCHAR(255) NOT NULL,
  write_timestamp BIGINT,
  adapter_manifest VARCHAR(255),

  event_ser_id INTEGER NOT NULL,
  event_ser_manifest VARCHAR(255) NOT NULL,
  event_payload BYTEA NOT NULL,

  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,

  PRIMARY KEY(persistence_id, sequence_number)
);

CREATE UNIQUE INDEX event_journal_ordering_idx ON event_journal(ordering);

CREATE TABLE IF NOT EXISTS event_tag(
    event_id BIGINT,
    tag VARCHAR(256),
    PRIMARY KEY(event_id, tag),
    CONSTRAINT fk_event_journal
      FOREIGN KEY(event_id)
      REFERENCES event_journal(ordering)
      ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS snapshot (
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  created BIGINT NOT NULL,

  snapshot_ser_id INTEGER NOT NULL,
  snapshot_ser_manifest VARCHAR(255) NOT NULL,
  snapshot_payload BYTEA NOT NULL,

  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,

  PRIMARY KEY(persistence_id, sequence_number)
);

CREATE TABLE IF NOT EXISTS durable_state (
    global_offset BIGSERIAL,
    persistence_id VARCHAR(255) NOT NULL,
    revision BIGINT NOT NULL,
    state_payload BYTEA NOT NULL,
    state_serial_id INTEGER NOT NULL,
    state_serial_manifest VARCHAR(255),
    tag VARCHAR,
    state_timestamp BIGINT NOT NULL,
    PRIMARY KEY(persistence_id)
    );
CREATE INDEX state_tag_idx on durable_state (tag);
CREATE INDEX state_global_offset_idx on durable_state (global_offset);

-- pekko-projection-jdbc 1.0.0 offset store with its default configuration (postgres-dialect,
-- offset-store.table = pekko_projection_offset_store, management-table = pekko_projection_management,
-- use-lowercase-schema = true): the statements PostgresDialect.createTableStatements generates.
create table if not exists pekko_projection_offset_store (
  projection_name varchar(255) not null,
  projection_key varchar(255) not null,
  current_offset varchar(255) not null,
  manifest varchar(4) not null,
  mergeable boolean not null,
  last_updated bigint not null,
  primary key(projection_name, projection_key)
);
create index if not exists projection_name_index on pekko_projection_offset_store (projection_name);

create table if not exists pekko_projection_management (
  projection_name varchar(255) not null,
  projection_key varchar(255) not null,
  paused boolean not null,
  last_updated bigint not null,
  primary key(projection_name, projection_key)
);

-- Read side: one row per device, kept by the device-summary projection.
create table device_summary (
  device_id varchar(200) primary key,
  device_type varchar(20) not null,
  name varchar(200),
  household varchar(200),
  location varchar(200),
  status varchar(20) not null,
  status_since timestamp,
  last_seen timestamp,
  battery int,
  battery_low boolean not null default false,
  rssi int,
  firmware varchar(100),
  registered_at timestamp not null,
  updated_at timestamp not null
);
create index device_summary_status_idx on device_summary (status);
create index device_summary_device_type_idx on device_summary (device_type);
create index device_summary_household_idx on device_summary (household);
