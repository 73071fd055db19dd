-- record_load.sql: record one load (time, source, counts, the responder definition used).
-- Parameters: $load_id, $loaded_at, $source_folder, $source_format, $is_synthetic, $n_in,
-- $n_replaced, $n_added, $n_after, $definition. Used by: queries/data/loading.py.

insert into load_history values (
    $load_id, $loaded_at, $source_folder, $source_format, $is_synthetic, $n_in, $n_replaced,
    $n_added, $n_after, $definition
);
