-- The lease (fencing token) each output file was uploaded under. A run's attempt no longer changes
-- when its worker releases it (lease_released counts no attempt), so the attempt alone cannot tell the
-- files of a released lease from those of the next lease of the same attempt: listings keep the rows
-- of the run's current lease only. Rows from before this migration have none and are no longer listed.
ALTER TABLE run_outputs ADD COLUMN fencing_token BIGINT;
