select
    order_date,
    status,
    md5(
        {{ dbt.cast('order_date', dbt.type_string()) }}
        || '|' || {{ dbt.cast('status', dbt.type_string()) }}
    ) as daily_orders_key,
    count(*) as order_count
from {{ ref('int_daily_orders__joined') }}
group by
    order_date,
    status
