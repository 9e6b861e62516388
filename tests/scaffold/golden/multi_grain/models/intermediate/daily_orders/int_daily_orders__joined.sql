with orders as (

    select * from {{ ref('stg_shop__orders') }}

)

select
    orders.order_date,
    orders.status
from orders
