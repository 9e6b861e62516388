select
    customer_id,
    first_name,
    last_name,
    count(distinct order_id) as order_count,
    sum(amount) as lifetime_value
from {{ ref('int_customer_orders__joined') }}
group by
    customer_id,
    first_name,
    last_name
