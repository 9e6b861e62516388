with source as (

    select * from {{ source('shop', 'orders') }}

),

renamed as (

    select distinct
        {{ adapter.quote('Order ID') }} as order_id,
        {{ adapter.quote('Customer ID') }} as customer_id,
        {{ dbt.safe_cast(adapter.quote('Order Date'), 'date') }} as order_date,
        {{ adapter.quote('Status ') }} as status,
        {{ dbt.safe_cast(adapter.quote('created_at'), dbt.type_timestamp()) }} as created_at
    from source

)

select * from renamed
