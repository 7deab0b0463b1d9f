-- Placeholder so this branch (h/console, which owns 0011) migrates without a gap; 0006 belongs to another branch.
-- Drop this file when merging that branch's 0006.
SELECT 1;
