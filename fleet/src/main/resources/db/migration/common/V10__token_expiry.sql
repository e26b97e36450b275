-- Homeowner tokens may expire: a token past expires_at authenticates no one (null: it never expires).
alter table api_token add column expires_at timestamp;
