-- stream_macros.sql: the value rules of the data contract as macros for the streamed read of a
-- CSV extract (queries/data/streaming.py). Each macro returns the typed value of one text cell,
-- exactly as queries/data/validation.py types it, or raises (error()) on any value that
-- validation.py would refuse or raw_export.py would take for a direct identifier: the loader
-- then takes the careful path (reading.py + validation.py), which reports every problem with
-- its file, line and column. A raise here is never shown to a user.
-- `rules` is the bound struct of streaming.stream_rules: validation.py's and raw_export.py's own
-- patterns (DuckDB and Arrow both match them with RE2), the yes/no words of contract.py, and
-- per bounded column a struct {min, max} (NULL = open).
-- Parameters: none. Temporary macros of the loader's connection, created before the
-- meta/stream_<file>.sql statements run.

create or replace temp macro stream_blanks() as ' ' || chr(9) || chr(10) || chr(12) || chr(13);

create or replace temp macro stream_refuse(what) as error('the careful reader decides: ' || what);

-- A number: the common case (the canonical text of a whole number, under ten characters) is
-- recognised without a regular expression; any other text must match `pattern`
-- (validation.INT_PATTERN or DECIMAL_PATTERN) and, from ten characters, not look like a phone
-- number (raw_export.PHONE_VALUE with a separator). Then within bounds.
create or replace temp macro stream_number(x, pattern, bounds, rules) as
    case
        when x is null then null::double
        when not case
                when x = try_cast(x as bigint)::varchar then length(x) < 10
                else regexp_matches(x, pattern)
                    and not (length(x) >= 10 and regexp_matches(x, rules.phone)
                        and regexp_matches(x, rules.phone_separator))
            end
            then stream_refuse('not a number, or one that might be a phone number')
        when x::double between bounds.min and bounds.max then x::double
        else stream_refuse('out of range')
    end;

-- stream_int and stream_decimal take the common case first, in one branch with no other test:
-- the canonical text of a whole number under ten characters (so within an integer), within
-- bounds. The same values stream_number takes that way, typed the same, in half its time
-- (issue 10: 1.2 s of a million-course load); anything else goes through stream_number.
create or replace temp macro stream_whole(x, bounds) as
    length(x) < 10 and x = try_cast(x as integer)::varchar
        and x::integer between bounds.min and bounds.max;

create or replace temp macro stream_int(x, rules, bounds) as
    case
        when stream_whole(x, bounds) then x::integer
        else stream_number(x, rules.int_pattern, bounds, rules)::bigint
    end;

create or replace temp macro stream_decimal(x, rules, bounds) as
    case
        when stream_whole(x, bounds) then x::integer::double
        else stream_number(x, rules.decimal_pattern, bounds, rules)
    end;

-- true/false, 1/0, yes/no in any case, surrounding blanks allowed (contract.BOOL_TRUE, _FALSE).
create or replace temp macro stream_bool(x, rules) as
    case
        when x is null then null::boolean
        when list_contains(rules.true_words, x) then true
        when list_contains(rules.false_words, x) then false
        when list_contains(rules.true_words, lower(trim(x, stream_blanks()))) then true
        when list_contains(rules.false_words, lower(trim(x, stream_blanks()))) then false
        else stream_refuse('not a yes/no value')
    end;

-- Text that must not look like a full date (the contract's rule for text columns), an email, a
-- social security number or a phone number (raw_export.raw_export_reason's value rules). Each
-- of those needs one of the characters @ - / . space ( ) +: text with none of them is taken
-- without a regular expression.
create or replace temp macro stream_text(x, rules) as
    case
        when x is null then null::varchar
        when not (contains(x, '@') or contains(x, '-') or contains(x, '/') or contains(x, '.')
            or contains(x, ' ') or contains(x, '(') or contains(x, ')') or contains(x, '+'))
            then x
        when regexp_matches(x, rules.full_date) or regexp_matches(x, rules.email)
            or regexp_matches(x, rules.ssn)
            or (regexp_matches(x, rules.phone) and regexp_matches(x, rules.phone_separator))
            then stream_refuse('looks like a date or an identifier')
        else x
    end;
