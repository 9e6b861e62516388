with source as (

    select * from {{ source('shop', 'orders') }}

),

renamed as (

    select distinct
        {{ adapter.quote('Order ID') }} as order_id,
        {{ adapter.quote('Customer ID') }} as customer_id,
        cast({{ adapter.quote('Order Date') }} as date) as order_date,
        {{ adapter.quote('Status ') }} as status,
        cast({{ adapter.quote('created_at') }} as timestamp) as created_at
    from source

)

select * from renamed
