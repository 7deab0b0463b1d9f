-- Placeholder so this branch (h/metrics, which owns 0009) migrates without a gap; 0008 belongs to another branch.
-- Drop this file when merging that branch's 0008.
SELECT 1;
