-- Clips stored and checked in Fleet's bucket, from the journal's ClipStored: what GET /api/clips/{clipId}
-- looks up (device, household, object key) before redirecting to a short-lived presigned URL.
create table clip (
  device_id varchar(200) not null,
  clip_id varchar(200) not null,
  household varchar(200),
  object_key varchar(1000) not null,
  url varchar(1000),
  size bigint not null,
  content_type varchar(200),
  stored_at timestamp not null,
  primary key (device_id, clip_id)
);
create index clip_id_idx on clip (clip_id);
