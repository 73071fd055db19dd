-- provider_ids.sql: every provider id in the database, for a director's "preview as" picker
-- and the synthetic demo's "view as a provider" switch (dashboard/auth.py).
-- Grain: one row per provider. Parameters: none.

select distinct provider_id
from courses
order by provider_id;
