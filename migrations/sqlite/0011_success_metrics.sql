-- RFC-065's success metrics (issue 13): the first signed-in dashboard visit of each customer, and support tickets
-- opened from the dashboard (emailed to RSOLV_SUPPORT_EMAIL through the job queue).
ALTER TABLE customers ADD COLUMN first_dashboard_visit_at TEXT;

CREATE TABLE support_tickets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX support_tickets_customer ON support_tickets (customer_id, created_at);
CREATE INDEX support_tickets_created ON support_tickets (created_at);
