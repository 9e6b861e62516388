select
    order_date,
    status,
    md5(
        cast(order_date as varchar)
        || '|' || cast(status as varchar)
    ) as daily_orders_key,
    count(*) as order_count
from {{ ref('int_daily_orders__joined') }}
group by
    order_date,
    status
