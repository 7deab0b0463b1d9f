-- Placeholder so this branch (h/sec-a, which owns 0007) migrates without a gap; 0006 belongs to another branch.
-- Drop this file when merging that branch's 0006.
SELECT 1;
