-- next_load_id.sql: the id of the load being recorded. Grain: one row. Parameters: none.
with final as (
    select coalesce(max(load_id), 0) + 1 as load_id from load_history
)
select * from final;
