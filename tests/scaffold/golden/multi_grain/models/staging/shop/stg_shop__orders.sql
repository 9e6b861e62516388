with source as (

    select * from {{ source('shop', 'orders') }}

),

renamed as (

    select distinct
        "Order ID" as order_id,
        "Customer ID" as customer_id,
        cast("Order Date" as date) as order_date,
        "Status " as status,
        cast(created_at as timestamp) as created_at
    from source

)

select * from renamed
