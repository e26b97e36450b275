-- Who acknowledged or cleared an alert, and when (POST /api/alerts/{id}/ack and /clear, or the system
-- when the condition of a health alert is over).
alter table alert add column acknowledged_by varchar(200);
alter table alert add column acknowledged_at timestamp;
alter table alert add column cleared_by varchar(200);
alter table alert add column cleared_at timestamp;
