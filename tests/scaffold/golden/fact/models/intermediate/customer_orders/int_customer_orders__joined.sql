with orders as (

    select * from {{ ref('stg_shop__orders') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

payments as (

    select * from {{ ref('stg_shop__payments') }}

)

select
    orders.customer_id,
    customers.first_name,
    customers.last_name,
    orders.order_id,
    payments.amount
from orders
left join customers
    on orders.customer_id = customers.customer_id
left join payments
    on orders.order_id = payments.order_id
