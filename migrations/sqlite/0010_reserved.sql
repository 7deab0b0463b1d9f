-- Placeholder so this branch (h/console, which owns 0011) migrates without a gap; 0010 belongs to another branch.
-- Drop this file when merging that branch's 0010.
SELECT 1;
