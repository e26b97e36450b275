-- Each device's own MQTT password, issued at registration and rotated by operators: only a SHA-256 of it
-- is kept, with its version (1 for the first, one more for each rotation). A decommissioned device's row
-- stays, revoked, so that neither its last password nor a derived bootstrap password lets it in again.
create table device_credential (
  device_id varchar(200) primary key,
  version int not null,
  password_hash varchar(64) not null,
  issued_at timestamp not null,
  revoked_at timestamp
);
