{#- martflow's generic data tests, written by `martflow scaffold` (it updates this file
    while it is unchanged; edit it and martflow leaves it alone). Plain SQL that runs on
    DuckDB, Postgres, Spark and Snowflake alike; each test selects the rows that fail. -#}

{% macro test_martflow_not_empty(model) %}
{#- The model has at least one row (one failing row when it is empty). -#}
select counted.n_rows
from (select count(*) as n_rows from {{ model }}) as counted
where counted.n_rows = 0
{% endmacro %}

{% macro test_martflow_null_rate(model, column_name, max_rate) %}
{#- At most ``max_rate`` (0 to 1) of the rows have no ``column_name``: when more do, the
    empty rows fail (their count over the model's rows is the actual rate). -#}
{%- set limit = max_rate | float -%}
with stats as (
    select
        count(*) as n_rows,
        count(*) - count({{ column_name }}) as n_empty
    from {{ model }}
)

select unfilled.*
from {{ model }} as unfilled
cross join stats
where
    unfilled.{{ column_name }} is null
    and stats.n_empty > {{ limit }} * stats.n_rows
{% endmacro %}
