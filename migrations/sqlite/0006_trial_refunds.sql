-- Issue 9 item 1: failed fix attempts give their credit back at most RSOLV_TRIAL_REFUNDS times per customer. The
-- count lives on the customer row, so the conditional UPDATE that refunds also counts, in the PATCH's transaction.
ALTER TABLE customers ADD COLUMN trial_refunds_used INTEGER NOT NULL DEFAULT 0;
-- Why a failed attempt kept its credit (refund_limit_reached), for the API and the dashboard.
ALTER TABLE fix_attempts ADD COLUMN refund_denied_reason TEXT;
